package dev.profilemate.aggregate;

import java.util.Arrays;

/**
 * One EngineCore's scheduler steps as a set of running totals: the time spent so far in steps
 * under each condition (some running request sat out, KV cache full, max_num_seqs reached, token
 * budget used up) and how many such steps began. A request reads it when it enters a state and
 * again when it leaves: the difference is what the engine was doing while the request waited,
 * without visiting every waiting request at every step.
 *
 * <p>A step lasts from its schedule() start to the next one's: that span holds the model's run
 * and update_from_output, as vLLM's engine loop runs them.
 */
final class StepClock implements java.io.Serializable {
  /** Seconds of steps. */
  static final int TIME = 0;
  /** Seconds of steps in which every running request was scheduled. */
  static final int ALL_RAN = 1;
  /** Seconds of steps in which some running request was not scheduled (running_len > num_reqs). */
  static final int SOME_SAT_OUT = 2;
  /**
   * Seconds of steps in which the KV cache held vLLM back: the step preempted, or requests stayed
   * waiting with neither max_num_seqs nor the token budget reached (in vLLM's V1 scheduler the
   * other reason a waiting request is not admitted is that its blocks do not fit).
   */
  static final int KV_FULL = 3;
  /** Seconds of steps with max_num_seqs requests running. */
  static final int SEQS_FULL = 4;
  /** Seconds of steps that scheduled max_num_batched_tokens tokens. */
  static final int BUDGET_FULL = 5;
  /** Request-seconds: the batch size integrated over time (÷ TIME = the mean batch). */
  static final int REQS = 6;
  /** Steps begun in which every running request was scheduled. */
  static final int STEPS_ALL_RAN = 7;
  /** Steps begun in which some running request was not. */
  static final int STEPS_SOME_SAT_OUT = 8;
  static final int SIZE = 9;

  private final double[] closed = new double[SIZE];
  private final double[] rate = new double[SIZE];
  private double openSince = Double.NaN;

  /** A step began at t (seconds). */
  void step(double t, int numReqs, int runningLen, int waitingLen, int numTokens, int maxSeqs, int maxTokens,
      int preempted) {
    advance(t);
    boolean satOut = runningLen > numReqs;
    Arrays.fill(rate, 0);
    rate[TIME] = 1;
    rate[satOut ? SOME_SAT_OUT : ALL_RAN] = 1;
    boolean seqsFull = maxSeqs > 0 && runningLen >= maxSeqs;
    boolean budgetFull = maxTokens > 0 && numTokens >= maxTokens;
    rate[KV_FULL] = preempted > 0 || (waitingLen > 0 && !seqsFull && !budgetFull) ? 1 : 0;
    rate[SEQS_FULL] = seqsFull ? 1 : 0;
    rate[BUDGET_FULL] = budgetFull ? 1 : 0;
    rate[REQS] = numReqs;
    closed[satOut ? STEPS_SOME_SAT_OUT : STEPS_ALL_RAN]++;
    openSince = t;
  }

  private void advance(double t) {
    if (!Double.isNaN(openSince) && t > openSince) {
      for (int i = 0; i < SIZE; i++) {
        closed[i] += rate[i] * (t - openSince);
      }
      openSince = t;
    }
  }

  /** The totals at time t (not before the last step's start): the open step counts up to t. */
  double[] at(double t) {
    double[] v = closed.clone();
    if (!Double.isNaN(openSince) && t > openSince) {
      for (int i = 0; i < SIZE; i++) {
        v[i] += rate[i] * (t - openSince);
      }
    }
    return v;
  }

  static void addDifference(double[] into, double[] later, double[] earlier) {
    for (int i = 0; i < SIZE; i++) {
      into[i] += later[i] - earlier[i];
    }
  }
}
