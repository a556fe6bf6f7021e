package dev.profilemate.live;

import java.util.List;

/**
 * Every series /metrics serves: name (after the {@code profilemate_} prefix), kind, help, the labels
 * it adds to {@code model_name} and {@code engine} (vLLM's own pair, so both join in one query), and
 * the bucket bounds of a histogram.
 *
 * <p>Every extra label has a bounded set of values: phases, preemption reasons, CPU operations the
 * probe times, CUDA-graph capture sizes (fixed by vLLM's config), MoE layers. Per-expert MoE series
 * (layers × experts, 48 × 512 on a large model) are served only when asked for (MOE_EXPERT_TOKENS).
 * docs/live-metrics.md lists every one (LiveMetricsGoldenTest checks it names them all).
 */
public enum LiveMetric {
  STEPS(Kind.COUNTER, "steps", "Scheduler.schedule() calls, by what the step scheduled (prefill, decode, mixed, idle).",
      List.of("phase"), Buckets.NONE),
  STEP_DURATION(Kind.HISTOGRAM, "step_duration_seconds",
      "Engine step time: from one schedule() call to the next in the same engine, by the earlier step's phase.",
      List.of("phase"), Buckets.SECONDS),
  STEP_TOKENS(Kind.HISTOGRAM, "step_tokens", "Tokens scheduled per step that scheduled something, by phase.",
      List.of("phase"), Buckets.TOKENS),
  SCHEDULED_TOKENS(Kind.COUNTER, "scheduled_tokens",
      "Tokens scheduled, split into prefill work (new, chunked, recomputed after preemption) and decode.",
      List.of("kind"), Buckets.NONE),
  BATCH_FILL(Kind.HISTOGRAM, "batch_fill_ratio",
      "Batch fill per step that scheduled something: requests / max_num_seqs, tokens / max_num_batched_tokens.",
      List.of("by"), Buckets.RATIO),
  MAX_NUM_SEQS(Kind.GAUGE, "max_num_seqs", "vLLM's max_num_seqs for this engine.", List.of(), Buckets.NONE),
  MAX_NUM_BATCHED_TOKENS(Kind.GAUGE, "max_num_batched_tokens", "vLLM's max_num_batched_tokens for this engine.",
      List.of(), Buckets.NONE),
  KV_USAGE(Kind.GAUGE, "kv_cache_usage_ratio",
      "KV cache usage at the latest step (0-1), as vLLM's kv_cache_manager.usage.", List.of(), Buckets.NONE),
  KV_USED_BLOCKS(Kind.GAUGE, "kv_cache_used_blocks", "KV blocks in use at the latest step.", List.of(), Buckets.NONE),
  KV_TOTAL_BLOCKS(Kind.GAUGE, "kv_cache_blocks", "Usable KV blocks (BlockPool's num_gpu_blocks - 1).", List.of(),
      Buckets.NONE),
  EVICTION_IDLE(Kind.HISTOGRAM, "kv_block_idle_before_eviction_seconds",
      "Cached KV blocks evicted from the prefix cache, by how long they sat free before eviction.", List.of(),
      Buckets.AGE_SECONDS),
  EVICTION_LIFETIME(Kind.HISTOGRAM, "kv_block_lifetime_at_eviction_seconds",
      "Cached KV blocks evicted from the prefix cache, by how long they held their content.", List.of(),
      Buckets.AGE_SECONDS),
  PREEMPTIONS(Kind.COUNTER, "preemptions", "Requests preempted, by cause.", List.of("reason"), Buckets.NONE),
  CPU_TIME(Kind.HISTOGRAM, "cpu_operation_seconds", "Host (CPU) time of each timed operation, by operation.",
      List.of("operation"), Buckets.SECONDS),
  FORWARD_TIME(Kind.HISTOGRAM, "forward_seconds",
      "Forward-pass time per step on a worker, by phase: GPU time (CUDA events) where timed, else host time.",
      List.of("phase"), Buckets.SECONDS),
  GRAPH_REPLAYS(Kind.COUNTER, "cuda_graph_replays",
      "Forward steps served by a captured CUDA graph, by mode and padded batch size (tokens).",
      List.of("runtime_mode", "num_tokens"), Buckets.NONE),
  GRAPH_PADDING(Kind.COUNTER, "cuda_graph_padding_tokens",
      "Padding the graph computed beyond the step's real tokens (padded size - scheduled tokens), where the "
          + "replay's forward step was recorded.", List.of("runtime_mode", "num_tokens"), Buckets.NONE),
  EAGER_TOKENS(Kind.HISTOGRAM, "eager_forward_tokens",
      "Forward steps run eagerly (no CUDA graph replay), by the step's tokens.", List.of(), Buckets.TOKENS),
  MOE_ROUTED(Kind.COUNTER, "moe_routed_tokens", "Token assignments routed to a MoE layer's experts.",
      List.of("layer"), Buckets.NONE),
  MOE_IMBALANCE(Kind.GAUGE, "moe_load_max_min_ratio",
      "Busiest expert's tokens / idlest expert's tokens of a MoE layer over the session (1 = balanced).",
      List.of("layer"), Buckets.NONE),
  MOE_HOTTEST_SHARE(Kind.GAUGE, "moe_hottest_expert_share",
      "The busiest expert's share of a MoE layer's assignments (1 / experts when balanced).", List.of("layer"),
      Buckets.NONE),
  MOE_EXPERT_TOKENS(Kind.COUNTER, "moe_expert_tokens",
      "Token assignments per MoE layer and expert (only with --metrics-moe-experts: layers x experts series).",
      List.of("layer", "expert"), Buckets.NONE),
  RECORDS(Kind.GAUGE, "session_records", "Spool records the latest refresh read.", List.of(), Buckets.NONE),
  REFRESH_TIME(Kind.GAUGE, "session_refresh_timestamp_seconds", "When the served values were read (Unix time).",
      List.of(), Buckets.NONE),
  FINISHED(Kind.GAUGE, "session_finished",
      "1 once every profiled process has exited and the final export is served, else 0.", List.of(), Buckets.NONE);

  public static final String PREFIX = "profilemate_";
  /** vLLM's own label names (vllm/v1/metrics/loggers.py: labelnames = ["model_name", "engine"]). */
  public static final String MODEL_NAME = "model_name";

  public static final String ENGINE = "engine";

  public enum Kind { COUNTER, GAUGE, HISTOGRAM }

  public final Kind kind;
  /** The name without prefix; a counter's is given without _total, which the exposition adds. */
  public final String name;

  public final String help;
  public final List<String> labels;
  public final double[] bounds;

  LiveMetric(Kind kind, String name, String help, List<String> labels, double[] bounds) {
    this.kind = kind;
    this.name = name;
    this.help = help;
    this.labels = labels;
    this.bounds = bounds;
  }

  /** The name a PromQL query uses. */
  public String promName() {
    return PREFIX + name + (kind == Kind.COUNTER ? "_total" : "");
  }

  /** Bucket upper bounds (+Inf is implied). */
  static final class Buckets {
    static final double[] NONE = {};
    /** 0.5 ms to 10 s: a decode step of a small model to a long prefill or a stalled step. */
    static final double[] SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Powers of two up to 16384: CUDA-graph capture sizes and token budgets are of this shape. */
    static final double[] TOKENS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};
    static final double[] RATIO = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1};
    /** 1 ms to an hour: blocks of a burst are reused within milliseconds, a quiet prefix lives for minutes. */
    static final double[] AGE_SECONDS = {0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600};

    private Buckets() {}
  }
}
