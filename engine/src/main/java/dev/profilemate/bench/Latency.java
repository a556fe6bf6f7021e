package dev.profilemate.bench;

import org.HdrHistogram.Histogram;

/**
 * Summary of one latency series in milliseconds. Percentiles come from an HdrHistogram with 3
 * significant digits (each within 0.1% of the exact order statistic); the mean is exact.
 */
public record Latency(long count, double meanMs, double p50Ms, double p90Ms, double p99Ms, double maxMs) {
  static final Latency EMPTY = new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

  /** Collects nanosecond values. */
  static final class Recorder {
    private final Histogram h = new Histogram(3);
    private double sumNs;

    void add(long ns) {
      long v = Math.max(0, ns);
      h.recordValue(v);
      sumNs += v;
    }

    Latency summary() {
      long n = h.getTotalCount();
      if (n == 0) {
        return EMPTY;
      }
      return new Latency(n, sumNs / n / 1e6, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
          ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
    }

    private static double ms(long ns) {
      return ns / 1e6;
    }
  }
}
