package dev.profilemate.report;

import java.util.Locale;

/** Numbers as the report shows them: locale-independent, "n/a" where nothing was measured. */
public final class Num {
  private Num() {}

  public static String f(double v, int places) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%." + places + "f", v);
  }

  /** Three significant-ish digits: 0.0123, 1.23, 12.3, 1234. */
  public static String g(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "n/a";
    }
    double a = Math.abs(v);
    int places = a == 0 || a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 3 : 4;
    return String.format(Locale.ROOT, "%." + places + "f", v);
  }

  public static String pct(double v) {
    return Double.isNaN(v) ? "n/a" : f(v, 1) + "%";
  }

  public static String ms(double v) {
    return Double.isNaN(v) ? "n/a" : g(v) + " ms";
  }

  public static String sec(double v) {
    return Double.isNaN(v) ? "n/a" : g(v) + " s";
  }

  public static String count(long v) {
    return Long.toString(v);
  }

  public static String count(double v) {
    return Double.isNaN(v) ? "n/a" : Long.toString(Math.round(v));
  }

  /** A value that may be missing (null): "n/a" then. */
  public static String opt(Double v) {
    return v == null ? "n/a" : g(v);
  }

  public static String optPct(Double v) {
    return v == null ? "n/a" : pct(v);
  }

  /** "decode 3, prefill 1" */
  public static String counts(java.util.Map<String, Long> m) {
    return String.join(", ", m.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
  }
}
