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
  PREFILL_FORWARD_MS("prefill forward passes");

  /** What one value is of, for "n = 1,234 requests". */
  final String unitOfCount;

  Sample(String unitOfCount) {
    this.unitOfCount = unitOfCount;
  }
}
