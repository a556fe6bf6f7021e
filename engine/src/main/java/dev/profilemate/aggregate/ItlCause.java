package dev.profilemate.aggregate;

import java.util.List;
import java.util.Locale;

/** Why each part of an inter-token latency was as long as it was. */
final class ItlCause {
  static final List<String> KEYS = List.of("decode_time", "decode_budget_full", "decode_kv_full", "decode_reqs",
      "steps_ran", "steps_sat_out", "preemptions", "preemptions_kv_full", "recomputed_tokens");

  private ItlCause() {}

  static double[] of(double[] decodeSteps, long ran, long satOut, int preemptions, int kvFull, long recomputed) {
    return new double[] {
        decodeSteps[StepClock.TIME], decodeSteps[StepClock.BUDGET_FULL], decodeSteps[StepClock.KV_FULL],
        decodeSteps[StepClock.REQS], ran, satOut, preemptions, kvFull, recomputed};
  }

  /** The causes of decode_step, sat_out and preemption, in that order. */
  static List<LatencyBands.Cause> explain(double[] parts, double[] x) {
    double time = x[0];
    double steps = x[4] + x[5];
    double stepMs = steps > 0 ? 1e3 * time / steps : 0;
    double batch = time > 0 ? x[3] / time : 0;
    double budget = time > 0 ? 100 * x[1] / time : 0;
    double satOutPct = steps > 0 ? 100 * x[5] / steps : 0;
    return List.of(
        new LatencyBands.Cause("batch_step_time", String.format(Locale.ROOT,
            "a step took %.2f ms with %.1f requests in the batch", stepMs, batch)),
        new LatencyBands.Cause(x[5] > 0 ? "token_budget" : "none", String.format(Locale.ROOT,
            "it was left out of %.0f %% of the steps while decoding; the token budget was used up %.0f %% of that time",
            satOutPct, budget)),
        TtftCause.preemption(x, 6));
  }
}
