package dev.profilemate.aggregate;

import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The joined per-step record (decision, tokens by phase, queues, KV usage, preemptions)
 * and the batch-utilisation and KV-usage summaries built from it.
 */
public final class SchedulerSteps implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field MAX_NUM_SEQS = Field.of("max_num_seqs");
  private static final Field MAX_NUM_BATCHED_TOKENS = Field.of("max_num_batched_tokens");
  private static final Field KV_TOTAL_BLOCKS = Field.of("kv_total_blocks");
  private static final Field KV_USED_BLOCKS = Field.of("kv_used_blocks");
  private static final Field KV_FREE_BLOCKS = Field.of("kv_free_blocks");
  private static final Field NUM_TOKENS = Field.of("num_tokens");
  private static final Field NUM_PREFILL_TOKENS = Field.of("num_prefill_tokens");
  private static final Field NUM_DECODE_TOKENS = Field.of("num_decode_tokens");
  private static final Field KV_USAGE = Field.of("kv_usage");
  private static final Field NUM_REQS = Field.of("num_reqs");
  private static final Field STEP = Field.of("step");
  private static final Field RUNNING_LEN = Field.of("running_len");
  private static final Field WAITING_LEN = Field.of("waiting_len");
  private static final Field NUM_PREEMPTED = Field.of("num_preempted");
  private static final Field SCHEDULE_NS = Field.of("schedule_ns");
  private static final Field KV_BLOCKS_ALLOCATED = Field.of("kv_blocks_allocated");
  private static final Field KV_PREFIX_HIT_BLOCKS = Field.of("kv_prefix_hit_blocks");

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
      double scheduleMs,
      int process) implements java.io.Serializable {}

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
        limits.put(r.process(), new Limits(r.getInt(MAX_NUM_SEQS), r.getInt(MAX_NUM_BATCHED_TOKENS),
            r.getInt(KV_TOTAL_BLOCKS)));
      }
      // the limits went out once, before the steps: decode counts and usage are derived here
      // (since v3 from the free blocks: one subtraction less on vLLM's thread)
      case "scheduler_step_v3", "scheduler_step_v2" -> {
        Limits l = limits.getOrDefault(r.process(), NO_LIMITS);
        int used = !r.name().equals("scheduler_step_v3") ? r.getInt(KV_USED_BLOCKS)
            : l.blocks() > 0 ? l.blocks() - r.getInt(KV_FREE_BLOCKS) : 0;
        step(r, l.seqs(), l.tokens(), r.getInt(NUM_TOKENS) - r.getInt(NUM_PREFILL_TOKENS), used, l.blocks());
      }
      // spools written before session 5: every step carried the limits
      case "scheduler_step" ->
          step(r, r.getInt(MAX_NUM_SEQS), r.getInt(MAX_NUM_BATCHED_TOKENS), r.getInt(NUM_DECODE_TOKENS),
              r.getInt(KV_USED_BLOCKS), r.getInt(KV_TOTAL_BLOCKS), r.getDouble(KV_USAGE));
      default -> {}
    }
  }

  private void step(SpoolRecord r, int maxSeqs, int maxToks, int dec, int kvUsedBlocks, int kvTotalBlocks) {
    step(r, maxSeqs, maxToks, dec, kvUsedBlocks, kvTotalBlocks,
        kvTotalBlocks > 0 ? (double) kvUsedBlocks / kvTotalBlocks : 0.0);
  }

  private void step(
      SpoolRecord r, int maxSeqs, int maxToks, int dec, int kvUsedBlocks, int kvTotalBlocks, double kvUsage) {
    int seqs = r.getInt(NUM_REQS);
    int toks = r.getInt(NUM_TOKENS);
    int pre = r.getInt(NUM_PREFILL_TOKENS);
    double seqUtil = maxSeqs > 0 ? 100.0 * seqs / maxSeqs : 0;
    double tokUtil = maxToks > 0 ? 100.0 * toks / maxToks : 0;
    String phase = phase(pre, dec);
    double usagePct = 100.0 * kvUsage;
    double t = clock.sec(r.tNs());
    Step s =
        new Step(
            t,
            r.getLong(STEP),
            seqs,
            maxSeqs,
            seqUtil,
            toks,
            maxToks,
            tokUtil,
            phase,
            r.getInt(RUNNING_LEN),
            r.getInt(WAITING_LEN),
            pre,
            dec,
            kvUsedBlocks,
            kvTotalBlocks,
            usagePct,
            r.getInt(NUM_PREEMPTED),
            SessionClock.millis(r.getLong(SCHEDULE_NS)),
            r.process());
    sink.accept(s);

    steps++;
    if (Double.isNaN(firstSec)) {
      firstSec = t;
    }
    lastSec = t;
    scheduleNs.add(r.getLong(SCHEDULE_NS));
    usageSum += usagePct;
    peakUsage = Math.max(peakUsage, usagePct);
    over90 += usagePct > 90 ? 1 : 0;
    under40 += usagePct < 40 ? 1 : 0;
    totalBlocks = Math.max(totalBlocks, s.kvTotalBlocks());
    allocated += r.getLong(KV_BLOCKS_ALLOCATED);
    prefixHitBlocks += r.getLong(KV_PREFIX_HIT_BLOCKS);
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
