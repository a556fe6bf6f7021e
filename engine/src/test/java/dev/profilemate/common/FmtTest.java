package dev.profilemate.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Fmt's own digits against the formatter the session files were written with before (issue 23). */
class FmtTest {
  /** What Fmt.fixed wrote until then: String.format, "-0.0" as "0.0". */
  private static String formatter(double v, int places) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "";
    }
    String s = String.format(Locale.ROOT, "%." + places + "f", v);
    return s.startsWith("-") && Double.parseDouble(s) == 0 ? s.substring(1) : s;
  }

  private static void same(double v, int places) {
    assertEquals(formatter(v, places), Fmt.fixed(v, places), () -> "v=" + v + " places=" + places);
  }

  @Test
  void randomValuesOfEveryMagnitude() {
    SplittableRandom r = new SplittableRandom(23);
    int[] places = {0, 1, 2, 3, 4, 6};
    for (int i = 0; i < 2_000_000; i++) {
      double v = switch (i % 5) {
        case 0 -> r.nextDouble() * Math.pow(10, r.nextInt(-8, 16)); // any magnitude
        case 1 -> r.nextLong(0, 10_000_000_000L) / 1e9; // seconds from nanoseconds, as the exporter makes them
        case 2 -> r.nextLong(0, 100_000_000L) / 1e6; // milliseconds
        case 3 -> 100.0 * r.nextInt(0, 5000) / Math.max(1, r.nextInt(1, 5000)); // percentages
        default -> Double.longBitsToDouble(r.nextLong()); // any bit pattern: NaN, infinities, huge, tiny
      };
      same(r.nextBoolean() ? v : -v, places[i % places.length]);
    }
  }

  @Test
  void halvesAndNearHalves() {
    int[] places = {0, 1, 2, 3, 4, 6};
    for (int p : places) {
      double scale = Math.pow(10, p);
      for (long k = 0; k < 200_000; k++) {
        double half = (k + 0.5) / scale;
        same(half, p);
        same(-half, p);
        same(Math.nextUp(half), p);
        same(Math.nextDown(half), p);
        same(k / scale, p);
        same(k * 1.000001 / scale, p);
      }
    }
  }

  @Test
  void edges() {
    double[] vs = {0.0, -0.0, 1e-300, -1e-7, 5e-7, 4.9999999e-7, 0.0000005, 1.0000005, 2.5, 0.125, 1e11 + 0.5, 1e12,
        999999.9999995, 1e15 + 0.3, 1e300, Double.MAX_VALUE, Double.MIN_VALUE, Double.NaN,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    for (double v : vs) {
      for (int p = 0; p <= 9; p++) {
        same(v, p);
      }
    }
  }
}
