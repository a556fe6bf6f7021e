package dev.profilemate.aggregate;

import dev.profilemate.spool.SpoolRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The joined per-step record (decision, tokens by phase, queues, KV usage, preemptions)
 * and the batch-utilisation and KV-usage summaries built from it.
 */
public final class SchedulerSteps implements RecordConsumer, java.io.Serializable {
  /** Token utilisation below this share of max_num_batched_tokens counts as under-utilised. */
  public static final double UNDER_UTILISED = 0.5;

  private final SessionClock clock;
  private final Consumer<Step> sink;
  private long steps;
  private long activeSteps;
  private double seqUtilSum;
  private double tokenUtilSum;
  private long underUtilised;
  private long prefillSteps;
  private long decodeSteps;
  private long mixedSteps;
  private long tokens;
  private long prefillTokens;
  private long decodeTokens;
  private double peakUsage;
  private double usageSum;
  private int totalBlocks;
  private long allocated;
  private long prefixHitBlocks;
  private long preempted;
  private long maxWaiting;
  private final Percentiles scheduleNs = new Percentiles();
  private double firstSec = Double.NaN;
  private double lastSec;
  private long over90;
  private long under40;
  /** Each EngineCore's limits (data-parallel ranks may differ), by the process that wrote them. */
  private final Map<Integer, Limits> limits = new HashMap<>();

  private record Limits(int seqs, int tokens, int blocks) implements java.io.Serializable {}

  private static final Limits NO_LIMITS = new Limits(0, 0, 0);

  public SchedulerSteps(SessionClock clock, Consumer<Step> sink) {
    this.clock = clock;
    this.sink = sink;
  }

  /** One scheduler step. Phase is prefill, decode, mixed, or idle when nothing was scheduled. */
  public record Step(
      double timestampSec,
      long step,
      int numSeqs,
      int maxNumSeqs,
      double seqUtilizationPct,
      int numTokens,
      int maxTokens,
      double tokenUtilizationPct,
      String phase,
      int runningQueueLen,
      int waitingQueueLen,
      int numPrefillTokens,
      int numDecodeTokens,
      int kvUsedBlocks,
      int kvTotalBlocks,
      double kvUsagePct,
      int numPreempted,
      double scheduleMs) implements java.io.Serializable {}

  public static String phase(int prefillTokens, int decodeTokens) {
    if (prefillTokens > 0 && decodeTokens > 0) {
      return "mixed";
    }
    if (prefillTokens > 0) {
      return "prefill";
    }
    return decodeTokens > 0 ? "decode" : "idle";
  }

  /** The types accept() reads (its cases): the rest are never handed to it. */
  private static final java.util.Set<String> RECORDS = java.util.Set.of("scheduler_limits", "scheduler_step_v3", "scheduler_step_v2", "scheduler_step");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    switch (r.name()) {
      case "scheduler_limits" -> {
        limits.put(r.process(), new Limits(r.getInt("max_num_seqs"), r.getInt("max_num_batched_tokens"),
            r.getInt("kv_total_blocks")));
      }
      // the limits went out once, before the steps: decode counts and usage are derived here
      // (since v3 from the free blocks: one subtraction less on vLLM's thread)
      case "scheduler_step_v3", "scheduler_step_v2" -> {
        Limits l = limits.getOrDefault(r.process(), NO_LIMITS);
        int used = !r.name().equals("scheduler_step_v3") ? r.getInt("kv_used_blocks")
            : l.blocks() > 0 ? l.blocks() - r.getInt("kv_free_blocks") : 0;
        step(r, l.seqs(), l.tokens(), r.getInt("num_tokens") - r.getInt("num_prefill_tokens"), used, l.blocks());
      }
      // spools written before session 5: every step carried the limits
      case "scheduler_step" ->
          step(r, r.getInt("max_num_seqs"), r.getInt("max_num_batched_tokens"), r.getInt("num_decode_tokens"),
              r.getInt("kv_used_blocks"), r.getInt("kv_total_blocks"), r.getDouble("kv_usage"));
      default -> {}
    }
  }

  private void step(SpoolRecord r, int maxSeqs, int maxToks, int dec, int kvUsedBlocks, int kvTotalBlocks) {
    step(r, maxSeqs, maxToks, dec, kvUsedBlocks, kvTotalBlocks,
        kvTotalBlocks > 0 ? (double) kvUsedBlocks / kvTotalBlocks : 0.0);
  }

  private void step(
      SpoolRecord r, int maxSeqs, int maxToks, int dec, int kvUsedBlocks, int kvTotalBlocks, double kvUsage) {
    int seqs = r.getInt("num_reqs");
    int toks = r.getInt("num_tokens");
    int pre = r.getInt("num_prefill_tokens");
    double seqUtil = maxSeqs > 0 ? 100.0 * seqs / maxSeqs : 0;
    double tokUtil = maxToks > 0 ? 100.0 * toks / maxToks : 0;
    String phase = phase(pre, dec);
    double usagePct = 100.0 * kvUsage;
    double t = clock.sec(r.tNs());
    Step s =
        new Step(
            t,
            r.getLong("step"),
            seqs,
            maxSeqs,
            seqUtil,
            toks,
            maxToks,
            tokUtil,
            phase,
            r.getInt("running_len"),
            r.getInt("waiting_len"),
            pre,
            dec,
            kvUsedBlocks,
            kvTotalBlocks,
            usagePct,
            r.getInt("num_preempted"),
            SessionClock.millis(r.getLong("schedule_ns")));
    sink.accept(s);

    steps++;
    if (Double.isNaN(firstSec)) {
      firstSec = t;
    }
    lastSec = t;
    scheduleNs.add(r.getLong("schedule_ns"));
    usageSum += usagePct;
    peakUsage = Math.max(peakUsage, usagePct);
    over90 += usagePct > 90 ? 1 : 0;
    under40 += usagePct < 40 ? 1 : 0;
    totalBlocks = Math.max(totalBlocks, s.kvTotalBlocks());
    allocated += r.getLong("kv_blocks_allocated");
    prefixHitBlocks += r.getLong("kv_prefix_hit_blocks");
    preempted += s.numPreempted();
    maxWaiting = Math.max(maxWaiting, s.waitingQueueLen());
    if (phase.equals("idle")) {
      return;
    }
    activeSteps++;
    seqUtilSum += seqUtil;
    tokenUtilSum += tokUtil;
    underUtilised += tokUtil < 100 * UNDER_UTILISED ? 1 : 0;
    tokens += toks;
    prefillTokens += pre;
    decodeTokens += dec;
    switch (phase) {
      case "prefill" -> prefillSteps++;
      case "decode" -> decodeSteps++;
      default -> mixedSteps++;
    }
  }

  public BatchSummary batchSummary() {
    return new BatchSummary(
        steps,
        activeSteps,
        prefillSteps,
        decodeSteps,
        mixedSteps,
        activeSteps > 0 ? seqUtilSum / activeSteps : 0,
        activeSteps > 0 ? tokenUtilSum / activeSteps : 0,
        underUtilised,
        100 * UNDER_UTILISED,
        tokens,
        prefillTokens,
        decodeTokens,
        maxWaiting,
        scheduleNs.snapshot());
  }

  public KvUsageSummary kvSummary() {
    return new KvUsageSummary(
        steps,
        steps > 0 ? usageSum / steps : 0,
        peakUsage,
        totalBlocks,
        allocated,
        prefixHitBlocks,
        preempted,
        steps > 0 ? 100.0 * over90 / steps : 0,
        steps > 0 ? 100.0 * under40 / steps : 0,
        Double.isNaN(firstSec) ? 0 : lastSec - firstSec);
  }

  /** Means over steps that scheduled something; idle steps are counted apart. */
  public record BatchSummary(
      long steps,
      long activeSteps,
      long prefillSteps,
      long decodeSteps,
      long mixedSteps,
      double meanSeqUtilizationPct,
      double meanTokenUtilizationPct,
      long underUtilizedSteps,
      double underUtilizedThresholdPct,
      long totalTokens,
      long prefillTokens,
      long decodeTokens,
      long maxWaitingQueueLen,
      Percentiles.Snapshot scheduleTime) {}

  public record KvUsageSummary(
      long samples,
      double meanUsagePct,
      double peakUsagePct,
      int totalBlocks,
      long blocksAllocated,
      long prefixCacheHitBlocks,
      long preemptions,
      double pctStepsAbove90,
      double pctStepsBelow40,
      double spanSec) {}
}
