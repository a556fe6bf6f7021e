package dev.profilemate.common;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** Locale-independent number text for CSV cells; NaN (an event that never happened) is empty. */
public final class Fmt {
  private Fmt() {}

  public static String fixed(double v, int places) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "";
    }
    String s = String.format(Locale.ROOT, "%." + places + "f", v);
    return s.startsWith("-") && Double.parseDouble(s) == 0 ? s.substring(1) : s;
  }

  public static String sec(double v) {
    return fixed(v, 6);
  }

  public static String ms(double v) {
    return fixed(v, 3);
  }

  public static String pct(double v) {
    return fixed(v, 2);
  }

  /** JSON numbers: rounded to `places`, written plainly (no exponent), trailing zeros dropped. */
  public static BigDecimal json(double v, int places) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return null;
    }
    BigDecimal d = BigDecimal.valueOf(v).setScale(places, RoundingMode.HALF_UP).stripTrailingZeros();
    return d.signum() == 0 ? BigDecimal.ZERO : d;
  }
}
