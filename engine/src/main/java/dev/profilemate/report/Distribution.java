package dev.profilemate.report;

import org.HdrHistogram.DoubleHistogram;

/**
 * Percentiles of one series from an HdrHistogram (3 significant digits): values go into
 * buckets, never into a sorted copy. Negative and NaN values are skipped.
 */
final class Distribution {
  private final DoubleHistogram h = new DoubleHistogram(3);
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;

  Distribution add(double v) {
    return add(v, 1);
  }

  Distribution add(double v, long times) {
    if (Double.isNaN(v) || v < 0 || Double.isInfinite(v) || times <= 0) {
      return this;
    }
    h.recordValueWithCount(v, times);
    sum += v * times;
    min = Math.min(min, v);
    max = Math.max(max, v);
    return this;
  }

  long count() {
    return h.getTotalCount();
  }

  /** The value at percentile p (0–100); NaN when empty. Exact min and max are kept apart. */
  double percentile(double p) {
    if (count() == 0) {
      return Double.NaN;
    }
    return Math.min(max, Math.max(min, h.getValueAtPercentile(p)));
  }

  Summary summary() {
    long n = count();
    if (n == 0) {
      return Summary.EMPTY;
    }
    return new Summary(n, sum, sum / n, min, percentile(50), percentile(95), percentile(99), max);
  }

  /** count, total, mean, min, P50, P95, P99, max — in the unit of the values added. */
  record Summary(long count, double total, double mean, double min, double p50, double p95, double p99, double max) {
    static final Summary EMPTY = new Summary(0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
        Double.NaN);
  }
}
