package dev.profilemate.kernel.ncu;

import java.util.Map;

/**
 * One profiled kernel launch as read from an ncu CSV: its identity columns and the metrics the
 * analysis uses, converted to base units (ns, bytes, bytes/s, Hz, counts, %), keyed by raw metric
 * name. Metrics shown only under display names on the details page are filed under the raw name
 * they stand for ({@code Duration} → {@code gpu__time_duration.sum}).
 */
record NcuLaunch(
    int id,
    String kernelName,
    String device,
    String computeCapability,
    String gridSize,
    String blockSize,
    String deviceName,
    Map<String, Double> metrics) {

  Double metric(String name) {
    return metrics.get(name);
  }
}
