package dev.profilemate.common;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * Locale-independent number text for CSV cells; NaN (an event that never happened) is empty.
 *
 * <p>The text is exactly what {@code String.format(Locale.ROOT, "%.Nf", v)} wrote before (with
 * "-0.00" written "0.00"): Java's formatter rounds the shortest decimal that reads back as v
 * (Double.toString's digits) half up. Formatting was 43 % of a long export (issue 23), so
 * {@link #fixed(byte[], int, double, int)} does it without the formatter: v × 10^places rounded
 * in double arithmetic wherever that cannot differ from the decimal rounding (the value is not
 * within 10^-3 of a half), and through BigDecimal on the shortest decimal elsewhere.
 * FmtTest compares both with String.format on millions of values.
 */
public final class Fmt {
  private Fmt() {}

  /** Longest text {@link #fixed(byte[], int, double, int)} writes for places ≤ 9 on the fast path. */
  public static final int MAX_FAST = 32;

  private static final double[] POW10 = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  /** Below this, v × 10^places is held to ~1e-4 or better: far finer than the 1e-3 guard. */
  private static final double FAST_LIMIT = 1e12;
  private static final double GUARD = 1e-3;

  public static String fixed(double v, int places) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "";
    }
    byte[] b = new byte[MAX_FAST + 320 + places];
    int n = fixed(b, 0, v, places);
    return new String(b, 0, n, StandardCharsets.ISO_8859_1);
  }

  /**
   * Writes {@link #fixed(double, int)}'s text into {@code dst} at {@code at} (ASCII) and returns
   * the position after it. dst needs MAX_FAST bytes free for |v| < 1e12, more for larger values.
   */
  public static int fixed(byte[] dst, int at, double v, int places) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return at;
    }
    double a = Math.abs(v);
    if (places <= 9) {
      double x = a * POW10[places];
      if (x < FAST_LIMIT) {
        double fl = Math.floor(x);
        double frac = x - fl;
        if (Math.abs(frac - 0.5) > GUARD) {
          long r = (long) fl + (frac > 0.5 ? 1 : 0);
          return digits(dst, at, r, places, v < 0 && r != 0);
        }
      }
    }
    String s = new BigDecimal(Double.toString(a)).setScale(places, RoundingMode.HALF_UP).toPlainString();
    boolean zero = new BigDecimal(s).signum() == 0;
    if (v < 0 && !zero) {
      dst[at++] = '-';
    }
    for (int i = 0; i < s.length(); i++) {
      dst[at++] = (byte) s.charAt(i);
    }
    return at;
  }

  private static final long[] POW10L = new long[19];
  /** "00".."99": two digits per division (digits were a tenth of an export, issue 23). */
  private static final byte[] PAIRS = new byte[200];

  static {
    POW10L[0] = 1;
    for (int i = 1; i < POW10L.length; i++) {
      POW10L[i] = POW10L[i - 1] * 10;
    }
    for (int i = 0; i < 100; i++) {
      PAIRS[2 * i] = (byte) ('0' + i / 10);
      PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  /** Decimal digits of r ≥ 0 (1 for 0): from its bit length (× log10 2 ≈ 1233 / 4096), then one compare. */
  static int digitCount(long r) {
    long x = r | 1; // 0 has one digit, as 1 does
    int t = ((64 - Long.numberOfLeadingZeros(x)) * 1233) >>> 12; // digits, or one more
    return t - (x < POW10L[t] ? 1 : 0) + 1;
  }

  /** The last {@code count} decimal digits of t ≥ 0, zero-padded, ending before {@code end}. */
  static void writeDigits(byte[] dst, int end, long t, int count) {
    int p = end;
    while (count >= 2) {
      long q = t / 100;
      int two = (int) (t - q * 100) * 2;
      dst[--p] = PAIRS[two + 1];
      dst[--p] = PAIRS[two];
      t = q;
      count -= 2;
    }
    if (count == 1) {
      dst[--p] = (byte) ('0' + t % 10);
    }
  }

  /** r / 10^places as plain text: "-"? integer part, and places fraction digits (none when 0). */
  private static int digits(byte[] dst, int at, long r, int places, boolean negative) {
    if (negative) {
      dst[at++] = '-';
    }
    int len = digitCount(r);
    int intLen = Math.max(1, len - places); // at least one integer digit
    if (places == 0) {
      writeDigits(dst, at + intLen, r, intLen);
      return at + intLen;
    }
    int end = at + intLen + 1 + places;
    long unit = POW10L[places];
    long whole = r / unit;
    writeDigits(dst, end, r - whole * unit, places);
    dst[at + intLen] = '.';
    writeDigits(dst, at + intLen, whole, intLen);
    return end;
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
