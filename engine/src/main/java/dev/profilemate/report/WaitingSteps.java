package dev.profilemate.report;

import dev.profilemate.report.SessionRows.SchedulerStep;
import java.util.List;

/**
 * The scheduler steps that left requests waiting, by what held the batch: max_num_seqs (the
 * batch ran that many sequences), else the token budget (it used max_num_batched_tokens), else
 * neither, when vLLM could not give the next waiting request its KV blocks (or another admission
 * limit held it). A step at both limits counts at max_num_seqs. KV usage is the sample at or
 * before each step, from kv_cache_usage.csv.
 */
record WaitingSteps(long steps, long atSeqLimit, long atTokenBudget, long belowBothLimits,
    Distribution.Summary kvUsagePctBelowBothLimits) {

  /** A step within 1% of max_num_batched_tokens used the whole budget (as BatchAnalysis counts it). */
  static final double TOKEN_BUDGET_SHARE = 0.99;

  static WaitingSteps of(List<SchedulerStep> steps, KvUsageRows kv) {
    double[] kvTimes = kv.times();
    long waiting = 0;
    long atSeqs = 0;
    long atTokens = 0;
    long neither = 0;
    Distribution kvPct = new Distribution();
    for (SchedulerStep st : steps) {
      if (st.waitingQueueLen() <= 0) {
        continue;
      }
      waiting++;
      if (st.maxNumSeqs() > 0 && st.numSeqs() >= st.maxNumSeqs()) {
        atSeqs++;
      } else if (st.maxTokens() > 0 && st.numTokens() >= st.maxTokens() * TOKEN_BUDGET_SHARE) {
        atTokens++;
      } else {
        neither++;
        int i = SlowRequests.upperBound(kvTimes, st.timeSec()) - 1;
        if (i >= 0) {
          kvPct.add(kv.get(i).usagePct());
        }
      }
    }
    return new WaitingSteps(waiting, atSeqs, atTokens, neither, kvPct.summary());
  }

  /** Which limit held most of the waiting steps, in the user's words. */
  String mainLimit() {
    if (atSeqLimit >= atTokenBudget && atSeqLimit >= belowBothLimits) {
      return "max_num_seqs";
    }
    return atTokenBudget >= belowBothLimits ? "the token budget (max_num_batched_tokens)"
        : "KV blocks (or another admission limit)";
  }
}
