package dev.profilemate.common;

import java.util.Locale;

/**
 * Numbers as ProfileMate shows them, independent of the default locale: the report's text ("n/a"
 * where nothing was measured) and the kernel analysis' rounding and human times.
 */
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

  // ---- kernel analysis: rounding for JSON/CSV numbers, human times, clipped names

  public static double round(double v, int digits) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    return java.math.BigDecimal.valueOf(v).setScale(digits, java.math.RoundingMode.HALF_UP).doubleValue();
  }

  /** 100·part/whole rounded to 2 decimals; 0 when whole is 0. */
  public static double pct(double part, double whole) {
    return whole == 0 ? 0 : round(100.0 * part / whole, 2);
  }

  public static Double roundOrNull(Double v, int digits) {
    return v == null || v.isNaN() || v.isInfinite() ? null : round(v, digits);
  }

  public static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  /** Human time: 1.234 s, 12.345 ms, 123.456 us, 789 ns. */
  public static String time(double ns) {
    double a = Math.abs(ns);
    if (a >= 1e9) {
      return f("%.3f s", ns / 1e9);
    }
    if (a >= 1e6) {
      return f("%.3f ms", ns / 1e6);
    }
    if (a >= 1e3) {
      return f("%.3f us", ns / 1e3);
    }
    return f("%.0f ns", ns);
  }

  /** Shortens long kernel names for text tables. */
  public static String clip(String s, int max) {
    if (s == null) {
      return "";
    }
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
