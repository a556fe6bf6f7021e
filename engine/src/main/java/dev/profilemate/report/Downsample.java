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
    int n = rows.size();
    List<double[]> out = new ArrayList<>(Math.min(n, MAX_POINTS));
    if (n <= MAX_POINTS) {
      for (T r : rows) {
        out.add(new double[] {x.applyAsDouble(r), y.applyAsDouble(r)});
      }
      return out;
    }
    for (int b = 0; b < MAX_POINTS; b++) {
      int from = (int) ((long) b * n / MAX_POINTS);
      int to = (int) ((long) (b + 1) * n / MAX_POINTS);
      T best = rows.get(from);
      for (int i = from + 1; i < to; i++) {
        if (y.applyAsDouble(rows.get(i)) > y.applyAsDouble(best)) {
          best = rows.get(i);
        }
      }
      out.add(new double[] {x.applyAsDouble(best), y.applyAsDouble(best)});
    }
    return out;
  }
}
