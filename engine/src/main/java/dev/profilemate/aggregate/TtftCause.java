package dev.profilemate.aggregate;

import java.util.List;
import java.util.Locale;

/** Why each part of a TTFT was as long as it was: what the engine's steps were doing meanwhile. */
final class TtftCause {
  static final List<String> KEYS = List.of("queue_time", "queue_kv_full", "queue_seqs_full", "queue_budget_full",
      "wait_time", "wait_kv_full", "wait_seqs_full", "wait_budget_full", "prompt_tokens", "chunks", "preemptions",
      "preemptions_kv_full", "recomputed_tokens", "api_sec", "api_seen");
  private static final int QUEUE = 0;
  private static final int WAIT = 4;
  private static final int PROMPT = 8;
  private static final int CHUNKS = 9;
  static final int PREEMPTIONS = 10;
  private static final int API = 13;

  private TtftCause() {}

  static double[] of(double[] queueSteps, double[] waitSteps, int prompt, int chunks, int preemptions, int kvFull,
      long recomputed, double api) {
    return new double[] {
        queueSteps[StepClock.TIME], queueSteps[StepClock.KV_FULL], queueSteps[StepClock.SEQS_FULL],
        queueSteps[StepClock.BUDGET_FULL], waitSteps[StepClock.TIME], waitSteps[StepClock.KV_FULL],
        waitSteps[StepClock.SEQS_FULL], waitSteps[StepClock.BUDGET_FULL], prompt, chunks, preemptions, kvFull,
        recomputed, Double.isNaN(api) ? 0 : api, Double.isNaN(api) ? 0 : 1};
  }

  /** The causes of queue_wait, prefill_compute, between_chunks and preemption, in that order. */
  static List<LatencyBands.Cause> explain(double[] parts, double[] x) {
    return List.of(
        limits(x, QUEUE, "while they waited to be admitted"),
        new LatencyBands.Cause("prompt_length", String.format(Locale.ROOT,
            "%.0f prompt tokens in %.1f chunks, %.2f ms a chunk", x[PROMPT], x[CHUNKS],
            x[CHUNKS] > 0 ? 1e3 * parts[1] / x[CHUNKS] : 0) + api(x)),
        limits(x, WAIT, "between their chunks, while other requests' work ran"),
        preemption(x, PREEMPTIONS));
  }

  private static String api(double[] x) {
    return x[API + 1] > 0
        ? String.format(Locale.ROOT, "; the API server then took %.2f ms to send the first token (not in TTFT)",
            1e3 * x[API] / x[API + 1])
        : "";
  }

  /** Which limit held the request back, as shares of the steps' time: KV cache, max_num_seqs, token budget. */
  static LatencyBands.Cause limits(double[] x, int at, String when) {
    double time = x[at];
    if (time <= 0) {
      return new LatencyBands.Cause("none", "no step ran " + when);
    }
    double kv = 100 * x[at + 1] / time;
    double seqs = 100 * x[at + 2] / time;
    double budget = 100 * x[at + 3] / time;
    String condition = kv >= seqs && kv >= budget ? "kv_cache_full" : seqs >= budget ? "max_num_seqs" : "token_budget";
    if (Math.max(kv, Math.max(seqs, budget)) < 10) {
      condition = "other_work"; // no limit was reached: the steps of other requests simply took the time
    }
    return new LatencyBands.Cause(condition, String.format(Locale.ROOT,
        "%s, the KV cache had no room for the waiting requests %.0f %% of the time, max_num_seqs was reached "
            + "%.0f %% and the token budget was used up %.0f %%", when, kv, seqs, budget));
  }

  static LatencyBands.Cause preemption(double[] x, int at) {
    double n = x[at];
    if (n <= 0) {
      return new LatencyBands.Cause("none", "no preemptions");
    }
    double kvShare = 100 * x[at + 1] / n;
    return new LatencyBands.Cause(kvShare >= 50 ? "kv_cache_full" : "other_preemption", String.format(Locale.ROOT,
        "%.2f preemptions a request (%.0f %% for want of KV blocks), %.0f computed tokens thrown away and recomputed",
        n, kvShare, x[at + 2]));
  }
}
