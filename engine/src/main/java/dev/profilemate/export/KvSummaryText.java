package dev.profilemate.export;

import dev.profilemate.aggregate.KvEvictions;
import dev.profilemate.aggregate.Percentiles;
import dev.profilemate.aggregate.PrefixCacheMisses;
import dev.profilemate.aggregate.SchedulerSteps;
import java.util.Locale;

/** kv_cache_summary.txt: the numbers a user reads first, in plain text. */
final class KvSummaryText {
  private KvSummaryText() {}

  static String render(SchedulerSteps.KvUsageSummary u, KvEvictions.Summary e, PrefixCacheMisses.Summary p) {
    StringBuilder b = new StringBuilder();
    b.append("KV cache summary\n================\n");
    line(b, "scheduler steps sampled", Long.toString(u.samples()));
    line(b, "span (s)", String.format(Locale.ROOT, "%.3f", u.spanSec()));
    line(b, "total KV blocks", Integer.toString(u.totalBlocks()));
    line(b, "mean usage (%)", String.format(Locale.ROOT, "%.2f", u.meanUsagePct()));
    line(b, "peak usage (%)", String.format(Locale.ROOT, "%.2f", u.peakUsagePct()));
    line(b, "steps above 90% usage (%)", String.format(Locale.ROOT, "%.2f", u.pctStepsAbove90()));
    line(b, "steps below 40% usage (%)", String.format(Locale.ROOT, "%.2f", u.pctStepsBelow40()));
    line(b, "blocks allocated", Long.toString(u.blocksAllocated()));
    line(b, "prefix-cache hit blocks", Long.toString(u.prefixCacheHitBlocks()));
    line(b, "cached blocks evicted", Long.toString(e.evictions()));
    line(b, "preemptions", Long.toString(u.preemptions()));
    line(b, "prefix-cache lookups", p.requests() == 0 ? "n/a (not recorded)" : String.format(Locale.ROOT,
        "%d requests, %d of %d blocks found (%.2f %%)", p.requests(), p.hitBlocks(), p.eligibleBlocks(), p.hitRatePct()));
    StringBuilder misses = new StringBuilder();
    for (String reason : PrefixCacheMisses.REASONS) {
      Long n = p.misses().get(reason);
      if (n != null && !reason.equals("hit")) {
        misses.append(misses.isEmpty() ? "" : ", ").append(reason).append(' ').append(n);
      }
    }
    line(b, "prefix-cache misses", p.requests() == 0 ? "n/a (not recorded)" : misses.isEmpty() ? "none" : misses.toString());
    stats(b, "block lifetime at eviction", e.lifetime());
    stats(b, "idle before eviction", e.idle());
    return b.toString();
  }

  private static void line(StringBuilder b, String k, String v) {
    b.append(String.format(Locale.ROOT, "%-28s %s%n", k + ":", v).replace(System.lineSeparator(), "\n"));
  }

  private static void stats(StringBuilder b, String what, Percentiles.Snapshot s) {
    if (s.count() == 0) {
      line(b, what + " (s)", "n/a (no evictions)");
      return;
    }
    line(b, what + " (s)",
        String.format(Locale.ROOT, "mean %.3f  p50 %.3f  p95 %.3f  p99 %.3f  max %.3f",
            s.meanMs() / 1e3, s.p50Ms() / 1e3, s.p95Ms() / 1e3, s.p99Ms() / 1e3, s.maxMs() / 1e3));
  }
}
