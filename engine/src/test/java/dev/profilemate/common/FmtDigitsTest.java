package dev.profilemate.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The digit helpers the CSV writer uses for every number cell, against Long.toString. */
class FmtDigitsTest {
  @Test
  void digitCountAndWriteDigitsMatchLongToString() {
    Random rnd = new Random(23);
    java.util.List<Long> values = new java.util.ArrayList<>(java.util.List.of(0L, Long.MAX_VALUE));
    for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10 * 10; p *= 10) {
      values.addAll(java.util.List.of(p - 1, p, p + 1));
      if (p > Long.MAX_VALUE / 10) {
        break;
      }
    }
    for (int i = 0; i < 200_000; i++) {
      values.add(rnd.nextLong() >>> (1 + rnd.nextInt(63))); // r ≥ 0: the writers pass magnitudes
    }
    byte[] buf = new byte[32];
    for (long v : values) {
      String want = Long.toString(v);
      assertThat(Fmt.digitCount(v)).as("%d", v).isEqualTo(want.length());
      Fmt.writeDigits(buf, want.length(), v, want.length());
      assertThat(new String(buf, 0, want.length(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(want);
    }
  }
}
