package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Random;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts that let the report stream a session instead of holding it give what holding it gave:
 * the kept slowest rows are a stable sort cut short, the streamed thinning is the list thinning,
 * and compact columns give back every value they were given.
 */
class StreamingPartsTest {
  private record Row(int key, String id, int seq) {}

  @Test
  void slowestKeepsWhatAStableSortCutShortKeeps() {
    SplittableRandom rnd = new SplittableRandom(5);
    Comparator<Row> order = Comparator.comparingInt(Row::key).reversed().thenComparing(Row::id);
    for (int trial = 0; trial < 200; trial++) {
      int n = rnd.nextInt(0, 400);
      int limit = rnd.nextInt(0, 30);
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // few keys and ids: many ties, and rows equal in the order (stream order must then decide)
        rows.add(new Row(rnd.nextInt(0, 8), "r" + rnd.nextInt(0, 5), i));
      }
      Slowest<Row> kept = new Slowest<>(limit, order);
      rows.forEach(kept::offer);
      assertThat(kept.inOrder()).isEqualTo(rows.stream().sorted(order).limit(limit).toList());
    }
  }

  /** The thinning as it was written over a list: bucket b is rows [b·n/MAX, (b+1)·n/MAX), first largest kept. */
  private static List<double[]> listPeaks(double[] x, double[] y) {
    int n = x.length;
    List<double[]> out = new ArrayList<>();
    if (n <= Downsample.MAX_POINTS) {
      for (int i = 0; i < n; i++) {
        out.add(new double[] {x[i], y[i]});
      }
      return out;
    }
    for (int b = 0; b < Downsample.MAX_POINTS; b++) {
      int from = (int) ((long) b * n / Downsample.MAX_POINTS);
      int to = (int) ((long) (b + 1) * n / Downsample.MAX_POINTS);
      int best = from;
      for (int i = from + 1; i < to; i++) {
        if (y[i] > y[best]) {
          best = i;
        }
      }
      out.add(new double[] {x[best], y[best]});
    }
    return out;
  }

  @Test
  void streamedThinningIsTheListThinning() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int n : new int[] {0, 1, 1999, 2000, 2001, 3999, 4000, 4001, 12_345, 100_003}) {
      double[] x = IntStream.range(0, n).mapToDouble(i -> i * 0.01).toArray();
      double[] y = IntStream.range(0, n).mapToDouble(i -> rnd.nextInt(10) == 0 ? Double.NaN : rnd.nextInt(50))
          .toArray();
      Downsample.Peaks p = new Downsample.Peaks(n);
      for (int i = 0; i < n; i++) {
        p.add(x[i], y[i]);
      }
      List<double[]> got = p.points();
      List<double[]> want = listPeaks(x, y);
      assertThat(got).hasSize(want.size());
      for (int i = 0; i < want.size(); i++) {
        assertThat(got.get(i)).as("n=%d point %d", n, i).containsExactly(want.get(i));
      }
    }
  }

  @Test
  void wholeColumnsGiveBackEveryValueWhateverItsWidth() {
    SplittableRandom rnd = new SplittableRandom(3);
    long[][] series = {
        {}, {7}, {7, 7, 7, 7}, {4, 4, 4, 300}, {1, 2, 3, -128, 127},
        rnd.longs(1000, -100, 100).toArray(),
        rnd.longs(1000, -40_000, 40_000).toArray(),
        // constant for a long stretch, then wider and wider values
        IntStream.range(0, 3000).mapToLong(i -> i < 2000 ? 64 : i < 2500 ? i * 100L : (long) i << 40).toArray(),
    };
    for (long[] values : series) {
      WholeColumn c = new WholeColumn(values.length);
      for (long v : values) {
        c.add(v);
      }

      assertThat(c.size()).isEqualTo(values.length);
      for (int i = 0; i < values.length; i++) {
        assertThat(c.get(i)).isEqualTo(values[i]);
      }
      int[] reversed = IntStream.range(0, values.length).map(i -> values.length - 1 - i).toArray();
      WholeColumn r = c.permuted(reversed);
      for (int i = 0; i < values.length; i++) {
        assertThat(r.get(i)).isEqualTo(values[values.length - 1 - i]);
      }
    }
  }

  @Test
  void columnsGrowPastTheirCapacityAndDecimalsReadBackBitForBit() {
    WholeColumn w = new WholeColumn(1); // fewer rows announced than come
    DoubleColumn d = new DoubleColumn(1);
    DecimalColumn pct = new DecimalColumn(1, 2);
    DecimalColumn ms = new DecimalColumn(1, 3);
    SplittableRandom rnd = new SplittableRandom(17);
    List<Double> pcts = new ArrayList<>();
    List<Double> mss = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      w.add(i * 3L);
      d.add(i * 0.5);
      double p = Double.parseDouble(String.format(java.util.Locale.ROOT, "%.2f", rnd.nextDouble() * 100));
      pcts.add(p);
      pct.add(p);
      // mostly 3 decimals, then values that do not fit: the column turns to doubles and still reads back
      double m = i < 4000 ? Double.parseDouble(String.format(java.util.Locale.ROOT, "%.3f", rnd.nextDouble() * 50))
          : i == 4000 ? Double.NaN : i == 4001 ? -0.0 : rnd.nextDouble();
      mss.add(m);
      ms.add(m);
    }
    for (int i = 0; i < 5000; i++) {
      assertThat(w.get(i)).isEqualTo(i * 3L);
      assertThat(d.get(i)).isEqualTo(i * 0.5);
      assertThat(Double.doubleToRawLongBits(pct.get(i))).isEqualTo(Double.doubleToRawLongBits(pcts.get(i)));
      assertThat(Double.doubleToRawLongBits(ms.get(i))).isEqualTo(Double.doubleToRawLongBits(mss.get(i)));
    }
    assertThat(d.toArray()).hasSize(5000);
  }

  @Test
  void doubleColumnsKeepNanAndNegativeZeroApart() {
    double[] values = {Double.NaN, Double.NaN, -0.0, 0.0, 1.5, Double.NaN};
    DoubleColumn c = new DoubleColumn(values.length);
    for (double v : values) {
      c.add(v);
    }
    assertThat(c.toArray()).hasSize(values.length);
    for (int i = 0; i < values.length; i++) {
      assertThat(Double.doubleToRawLongBits(c.get(i))).isEqualTo(Double.doubleToRawLongBits(values[i]));
    }
    DoubleColumn same = new DoubleColumn(5);
    for (int i = 0; i < 5; i++) {
      same.add(Double.NaN);
    }
    assertThat(same.toArray()).hasSize(5);
    assertThat(java.util.Arrays.stream(same.toArray()).allMatch(Double::isNaN)).isTrue();
  }

  @Test
  void filesOutOfTimeOrderReadAsInTimeOrder(@TempDir Path tmp) throws IOException {
    Path ordered = TestSessions.copyOfGolden(tmp.resolve("ordered"));
    Path shuffled = TestSessions.copyOfGolden(tmp.resolve("shuffled"));
    for (String f : List.of("kv_cache_usage.csv", "batch_utilization.csv", "forward_pass_timing.csv",
        "moe_load_imbalance.csv")) {
      List<String> lines = new ArrayList<>(Files.readAllLines(shuffled.resolve(f)));
      List<String> rows = new ArrayList<>(lines.subList(1, lines.size()));
      assertThat(rows).as(f).hasSizeGreaterThan(2);
      Collections.reverse(rows);
      Collections.shuffle(rows, new Random(f.length()));
      rows.add(0, lines.get(0));
      Files.write(shuffled.resolve(f), rows);
    }
    assertThat(HtmlReport.dataJson(Report.of(shuffled, null)))
        .isEqualTo(HtmlReport.dataJson(Report.of(ordered, null)));
  }
}
