package dev.profilemate.aggregate;

import org.HdrHistogram.Histogram;

/**
 * Latency distribution of one series in nanoseconds, kept in an HdrHistogram (3 significant
 * digits) so percentiles come from buckets, not from a sorted copy of every value.
 */
public final class Percentiles implements java.io.Serializable {
  private final Histogram h = new Histogram(3);
  private double sumNs;

  public void add(long ns) {
    h.recordValue(Math.max(0, ns));
    sumNs += Math.max(0, ns);
  }

  public long count() {
    return h.getTotalCount();
  }

  public Snapshot snapshot() {
    long n = h.getTotalCount();
    if (n == 0) {
      return new Snapshot(0, 0, 0, 0, 0, 0, 0, 0);
    }
    return new Snapshot(
        n,
        sumNs / 1e6,
        sumNs / n / 1e6,
        h.getMinValue() / 1e6,
        h.getValueAtPercentile(50) / 1e6,
        h.getValueAtPercentile(95) / 1e6,
        h.getValueAtPercentile(99) / 1e6,
        h.getMaxValue() / 1e6);
  }

  /** All values in milliseconds. */
  public record Snapshot(
      long count, double totalMs, double meanMs, double minMs, double p50Ms, double p95Ms, double p99Ms, double maxMs) {}
}
