package dev.profilemate.kernel;

/**
 * Exact count, total, min, max, median and standard deviation of integer durations (ns), kept
 * as a sparse histogram so memory is bounded by the number of distinct values. The median of an
 * even count is the mean of the two middle values and the standard deviation is the sample one
 * (n − 1), as in Nsight Systems' {@code nsys stats} reports.
 */
public final class DurationStats {
  private final LongCountMap histogram = new LongCountMap();
  private long count;
  private long total;
  private long min = Long.MAX_VALUE;
  private long max = Long.MIN_VALUE;

  public void add(long durationNs) {
    histogram.add(durationNs, 1);
    count++;
    total += durationNs;
    if (durationNs < min) {
      min = durationNs;
    }
    if (durationNs > max) {
      max = durationNs;
    }
  }

  public long count() {
    return count;
  }

  public long total() {
    return total;
  }

  public long min() {
    return count == 0 ? 0 : min;
  }

  public long max() {
    return count == 0 ? 0 : max;
  }

  public double mean() {
    return count == 0 ? 0 : (double) total / count;
  }

  /** Median and sample standard deviation, computed from the histogram. */
  public double[] medianAndStdDev() {
    if (count == 0) {
      return new double[] {0, 0};
    }
    long[][] countsOut = new long[1][];
    long[] values = histogram.sortedKeys(countsOut);
    long[] counts = countsOut[0];
    long lowRank = (count - 1) / 2; // 0-based ranks of the middle value(s)
    long highRank = count / 2;
    long seen = 0;
    double low = Double.NaN;
    double high = Double.NaN;
    double mean = mean();
    double squares = 0;
    for (int i = 0; i < values.length; i++) {
      long next = seen + counts[i];
      if (Double.isNaN(low) && lowRank < next) {
        low = values[i];
      }
      if (Double.isNaN(high) && highRank < next) {
        high = values[i];
      }
      double d = values[i] - mean;
      squares += d * d * counts[i];
      seen = next;
    }
    double stdDev = count > 1 ? Math.sqrt(squares / (count - 1)) : 0;
    return new double[] {(low + high) / 2, stdDev};
  }
}
