package dev.profilemate.compare;

/** One kind of value a session holds many of: a request's TTFT, a step's batch fill, ... */
enum Sample {
  TTFT_MS("requests"),
  TPOT_MS("requests"),
  E2E_MS("requests"),
  QUEUE_MS("requests"),
  PREEMPTIONS("requests"),
  OUTPUT_TOKENS("requests"),
  PROMPT_TOKENS("requests"),
  BATCH_FILL_PCT("steps"),
  TOKENS_PER_STEP("steps"),
  KV_USAGE_PCT("steps"),
  DECODE_FORWARD_MS("decode forward passes"),
  PREFILL_FORWARD_MS("prefill forward passes"),
  // latency_parts.csv: each request's TTFT and ITL split into parts (docs/latency.md)
  TTFT_QUEUE_MS("requests"),
  TTFT_PREFILL_MS("requests"),
  TTFT_BETWEEN_CHUNKS_MS("requests"),
  TTFT_PREEMPTION_MS("requests"),
  ITL_DECODE_STEP_MS("requests"),
  ITL_SAT_OUT_MS("requests"),
  ITL_PREEMPTION_MS("requests");

  /** What one value is of, for "n = 1,234 requests". */
  final String unitOfCount;

  Sample(String unitOfCount) {
    this.unitOfCount = unitOfCount;
  }
}
