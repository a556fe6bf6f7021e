package dev.profilemate.kernel;

import java.util.Locale;

/** Rounding and formatting that do not depend on the default locale. */
public final class Num {
  private Num() {}

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
