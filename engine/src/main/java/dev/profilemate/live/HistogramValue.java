package dev.profilemate.live;

import java.util.Arrays;

/**
 * One histogram series, immutable: per-bucket counts (not cumulative; the last is +Inf) and the
 * sum of the observed values. Two of the same metric add up (the processes of one engine).
 */
public record HistogramValue(double[] bounds, long[] counts, double sum) {
  public HistogramValue {
    if (counts.length != bounds.length + 1) {
      throw new IllegalArgumentException("counts need one more slot than bounds (+Inf)");
    }
    bounds = bounds.clone();
    counts = counts.clone();
  }

  public long count() {
    return Arrays.stream(counts).sum();
  }

  HistogramValue plus(HistogramValue o) {
    long[] c = counts.clone();
    for (int i = 0; i < c.length; i++) {
      c[i] += o.counts[i];
    }
    return new HistogramValue(bounds, c, sum + o.sum);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HistogramValue h && Arrays.equals(bounds, h.bounds) && Arrays.equals(counts, h.counts)
        && Double.compare(sum, h.sum) == 0;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts) * 31 + Double.hashCode(sum);
  }

  @Override
  public String toString() {
    return "HistogramValue" + Arrays.toString(counts) + " sum=" + sum;
  }

  /** The mutable side: observations go in on the collector's thread, {@link #value()} copies out. */
  static final class Accumulator implements java.io.Serializable {
    private final double[] bounds;
    private final long[] counts;
    private double sum;

    Accumulator(double[] bounds) {
      this.bounds = bounds;
      this.counts = new long[bounds.length + 1];
    }

    void observe(double v) {
      // le semantics: a value equal to a bound falls in that bound's bucket
      int i = Arrays.binarySearch(bounds, v);
      counts[i >= 0 ? i : -i - 1]++;
      sum += v;
    }

    HistogramValue value() {
      return new HistogramValue(bounds, counts, sum);
    }
  }
}
