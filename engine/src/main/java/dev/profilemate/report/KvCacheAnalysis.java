package dev.profilemate.report;

import dev.profilemate.report.SessionRows.KvSample;
import java.util.List;

/** KV cache usage over time, its distribution, evictions and prefix-cache hits. */
record KvCacheAnalysis(
    SectionStatus status,
    Distribution.Summary usagePct,
    double pctSamplesAbove90,
    double pctSamplesBelow40,
    long totalBlocks,
    long evictions,
    Distribution.Summary evictedBlockLifetimeSec,
    double blocksAllocated,
    double prefixHitBlocks,
    double prefixHitRatePct,
    List<double[]> usageOverTime) {

  static final double HEALTHY_LOW = 60;
  static final double HEALTHY_HIGH = 80;
  static final double OVER_PROVISIONED = 40;
  static final double UNDER_PROVISIONED = 90;

  static KvCacheAnalysis of(SessionData s) {
    List<KvSample> samples = s.kvUsage();
    Distribution usage = new Distribution();
    long above = 0;
    long below = 0;
    long total = 0;
    for (KvSample k : samples) {
      usage.add(k.usagePct());
      above += k.usagePct() > UNDER_PROVISIONED ? 1 : 0;
      below += k.usagePct() < OVER_PROVISIONED ? 1 : 0;
      total = Math.max(total, k.totalBlocks());
    }
    double alloc = s.kvCounters().blocksAllocated();
    double hits = s.kvCounters().prefixHitBlocks();
    double hitRate = alloc + hits > 0 ? 100 * hits / (alloc + hits) : Double.NaN;
    int n = samples.size();
    return new KvCacheAnalysis(
        SectionStatus.of(s, Profiler.KV_CACHE),
        usage.summary(),
        n > 0 ? 100.0 * above / n : Double.NaN,
        n > 0 ? 100.0 * below / n : Double.NaN,
        total,
        s.evictions(),
        s.evictedBlockLifetimeSec(),
        alloc,
        hits,
        hitRate,
        Downsample.peaks(samples, KvSample::timeSec, KvSample::usagePct));
  }
}
