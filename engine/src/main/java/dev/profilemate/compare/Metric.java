package dev.profilemate.compare;

/**
 * What compare compares, in the words of vLLM's own benchmark (TTFT, TPOT, E2E latency,
 * throughput) and of the session files. better: which way is an improvement; NEITHER for
 * figures that describe the load rather than judge it (batch fill, KV usage).
 */
enum Metric {
  TTFT_P50("ttft_p50_ms", "TTFT p50", Sample.TTFT_MS, Stat.P50, Better.LOWER, "ms"),
  TTFT_P90("ttft_p90_ms", "TTFT p90", Sample.TTFT_MS, Stat.P90, Better.LOWER, "ms"),
  TTFT_P99("ttft_p99_ms", "TTFT p99", Sample.TTFT_MS, Stat.P99, Better.LOWER, "ms"),
  TPOT_P50("tpot_p50_ms", "TPOT p50 (time per output token after the first)", Sample.TPOT_MS, Stat.P50, Better.LOWER, "ms"),
  TPOT_P99("tpot_p99_ms", "TPOT p99", Sample.TPOT_MS, Stat.P99, Better.LOWER, "ms"),
  E2E_P50("e2e_p50_ms", "E2E latency p50", Sample.E2E_MS, Stat.P50, Better.LOWER, "ms"),
  E2E_P99("e2e_p99_ms", "E2E latency p99", Sample.E2E_MS, Stat.P99, Better.LOWER, "ms"),
  QUEUE_P50("queue_wait_p50_ms", "queue wait p50", Sample.QUEUE_MS, Stat.P50, Better.LOWER, "ms"),
  QUEUE_P99("queue_wait_p99_ms", "queue wait p99", Sample.QUEUE_MS, Stat.P99, Better.LOWER, "ms"),
  OUTPUT_THROUGHPUT("output_tokens_per_s", "output throughput", Sample.OUTPUT_TOKENS, Stat.RATE, Better.HIGHER, "tokens/s"),
  REQUEST_THROUGHPUT("requests_per_s", "request throughput", Sample.OUTPUT_TOKENS, Stat.COUNT_RATE, Better.HIGHER, "requests/s"),
  PREEMPTIONS("preemptions_per_request", "preemptions per request", Sample.PREEMPTIONS, Stat.MEAN, Better.LOWER, "per request"),
  BATCH_FILL("batch_fill_mean_pct", "batch fill (of max_num_seqs), mean", Sample.BATCH_FILL_PCT, Stat.MEAN, Better.NEITHER, "%"),
  TOKENS_PER_STEP("tokens_per_step_mean", "tokens per step, mean", Sample.TOKENS_PER_STEP, Stat.MEAN, Better.NEITHER, "tokens"),
  KV_USAGE("kv_usage_mean_pct", "KV cache usage, mean", Sample.KV_USAGE_PCT, Stat.MEAN, Better.NEITHER, "%"),
  KV_USAGE_P99("kv_usage_p99_pct", "KV cache usage p99", Sample.KV_USAGE_PCT, Stat.P99, Better.NEITHER, "%"),
  DECODE_FORWARD_P50("decode_forward_p50_ms", "decode forward pass p50", Sample.DECODE_FORWARD_MS, Stat.P50, Better.LOWER, "ms"),
  DECODE_FORWARD_P99("decode_forward_p99_ms", "decode forward pass p99", Sample.DECODE_FORWARD_MS, Stat.P99, Better.LOWER, "ms"),
  PREFILL_FORWARD_P50("prefill_forward_p50_ms", "prefill forward pass p50", Sample.PREFILL_FORWARD_MS, Stat.P50, Better.LOWER, "ms"),
  // the latency parts (docs/latency.md), mean per request: which part of TTFT / ITL moved
  PART_TTFT_QUEUE("ttft_part_queue_wait_ms", "TTFT part: queue wait, mean", Sample.TTFT_QUEUE_MS, Stat.MEAN, Better.LOWER, "ms"),
  PART_TTFT_PREFILL("ttft_part_prefill_compute_ms", "TTFT part: own prefill chunks, mean", Sample.TTFT_PREFILL_MS, Stat.MEAN, Better.LOWER, "ms"),
  PART_TTFT_BETWEEN("ttft_part_between_chunks_ms", "TTFT part: waiting between chunks, mean", Sample.TTFT_BETWEEN_CHUNKS_MS, Stat.MEAN, Better.LOWER, "ms"),
  PART_TTFT_PREEMPTION("ttft_part_preemption_ms", "TTFT part: preemption and recompute, mean", Sample.TTFT_PREEMPTION_MS, Stat.MEAN, Better.LOWER, "ms"),
  PART_ITL_DECODE("itl_part_decode_step_ms", "ITL part: own decode steps, mean", Sample.ITL_DECODE_STEP_MS, Stat.MEAN, Better.LOWER, "ms"),
  PART_ITL_SAT_OUT("itl_part_sat_out_ms", "ITL part: steps sat out, mean", Sample.ITL_SAT_OUT_MS, Stat.MEAN, Better.LOWER, "ms"),
  PART_ITL_PREEMPTION("itl_part_preemption_ms", "ITL part: preemption gaps, mean", Sample.ITL_PREEMPTION_MS, Stat.MEAN, Better.LOWER, "ms");

  enum Better { LOWER, HIGHER, NEITHER }

  /** The name on the command line (--fail-on-regression) and in the JSON. */
  final String key;
  final String label;
  final Sample sample;
  final Stat stat;
  final Better better;
  final String unit;

  Metric(String key, String label, Sample sample, Stat stat, Better better, String unit) {
    this.key = key;
    this.label = label;
    this.sample = sample;
    this.stat = stat;
    this.better = better;
    this.unit = unit;
  }

  /** One of the latency parts: shown under the metrics, as what moved inside TTFT / ITL. */
  boolean isPart() {
    return name().startsWith("PART_");
  }

  static Metric byKey(String key) {
    for (Metric m : values()) {
      if (m.key.equals(key)) {
        return m;
      }
    }
    return null;
  }

  /** A relative change (B over A, minus 1) expressed as "worse by" this much: positive is worse. */
  double worsening(double change) {
    return switch (better) {
      case LOWER -> change;
      case HIGHER -> -change;
      case NEITHER -> 0;
    };
  }
}
