package dev.profilemate.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Chart series small enough to inline: at most {@link #MAX_POINTS} points; above that, each
 * bucket of consecutive rows keeps its largest value, so spikes stay visible.
 */
final class Downsample {
  static final int MAX_POINTS = 2000;

  private Downsample() {}

  static <T> List<double[]> peaks(List<T> rows, ToDoubleFunction<T> x, ToDoubleFunction<T> y) {
    Peaks p = new Peaks(rows.size());
    for (T r : rows) {
      p.add(x.applyAsDouble(r), y.applyAsDouble(r));
    }
    return p.points();
  }

  /**
   * The same thinning fed one row at a time, when the number of rows is known ahead: rows
   * [b·n/MAX, (b+1)·n/MAX) make bucket b, whose first largest value is kept.
   */
  static final class Peaks {
    private final long n;
    private final List<double[]> out;
    private long i;
    private int bucket;
    private long bucketEnd;
    private double bestX;
    private double bestY;

    Peaks(long n) {
      this.n = n;
      this.out = new ArrayList<>((int) Math.min(n, MAX_POINTS));
      this.bucketEnd = end(0);
    }

    private long end(int b) {
      return n <= MAX_POINTS ? b + 1 : (b + 1) * n / MAX_POINTS;
    }

    void add(double x, double y) {
      if (i >= n) {
        throw new IllegalStateException("more than the " + n + " rows announced");
      }
      boolean first = i == (bucket == 0 ? 0 : end(bucket - 1));
      if (first || y > bestY) {
        bestX = x;
        bestY = y;
      }
      i++;
      if (i == bucketEnd) {
        out.add(new double[] {bestX, bestY});
        bucket++;
        bucketEnd = end(bucket);
      }
    }

    List<double[]> points() {
      if (i != n) {
        throw new IllegalStateException(i + " rows of the " + n + " announced");
      }
      return out;
    }
  }
}
