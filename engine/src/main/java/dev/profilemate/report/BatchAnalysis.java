package dev.profilemate.report;

import dev.profilemate.report.SessionRows.SchedulerStep;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** How full the scheduler's batches were (tokens, sequences) and how long the queues got. */
record BatchAnalysis(
    SectionStatus status,
    long steps,
    long activeSteps,
    Map<String, Long> stepsByPhase,
    long maxNumSeqs,
    long maxNumBatchedTokens,
    Distribution.Summary tokenUtilizationPct,
    Distribution.Summary seqUtilizationPct,
    double pctStepsAtTokenLimit,
    double pctStepsAtSeqLimit,
    double pctStepsWithWaiting,
    Distribution.Summary waitingQueueLen,
    WaitingSteps waitingSteps,
    List<double[]> tokenUtilizationOverTime,
    List<double[]> seqUtilizationOverTime,
    List<double[]> waitingOverTime,
    List<double[]> runningOverTime) {

  static BatchAnalysis of(SessionData s) {
    Distribution tok = new Distribution();
    Distribution seq = new Distribution();
    Distribution waiting = new Distribution();
    Map<String, Long> phases = new TreeMap<>();
    long active = 0;
    long atTokens = 0;
    long atSeqs = 0;
    long withWaiting = 0;
    long maxSeqs = 0;
    long maxTokens = 0;
    for (SchedulerStep st : s.steps()) {
      phases.merge(st.phase(), 1L, Long::sum);
      waiting.add(st.waitingQueueLen());
      withWaiting += st.waitingQueueLen() > 0 ? 1 : 0;
      maxSeqs = Math.max(maxSeqs, st.maxNumSeqs());
      maxTokens = Math.max(maxTokens, st.maxTokens());
      if (!st.active()) {
        continue;
      }
      active++;
      tok.add(st.tokenUtilizationPct());
      seq.add(st.seqUtilizationPct());
      atTokens += st.maxTokens() > 0 && st.numTokens() >= st.maxTokens() * 0.99 ? 1 : 0;
      atSeqs += st.maxNumSeqs() > 0 && st.numSeqs() >= st.maxNumSeqs() ? 1 : 0;
    }
    long n = s.steps().size();
    SchedulerStepRows rows = s.steps();
    return new BatchAnalysis(
        SectionStatus.of(s, Profiler.BATCH_UTILIZATION),
        n,
        active,
        phases,
        maxSeqs,
        maxTokens,
        tok.summary(),
        seq.summary(),
        active > 0 ? 100.0 * atTokens / active : Double.NaN,
        active > 0 ? 100.0 * atSeqs / active : Double.NaN,
        n > 0 ? 100.0 * withWaiting / n : Double.NaN,
        waiting.summary(),
        WaitingSteps.of(rows, s.kvUsage()),
        Downsample.peaks(rows, SchedulerStep::timeSec, SchedulerStep::tokenUtilizationPct),
        Downsample.peaks(rows, SchedulerStep::timeSec, SchedulerStep::seqUtilizationPct),
        Downsample.peaks(rows, SchedulerStep::timeSec, SchedulerStep::waitingQueueLen),
        Downsample.peaks(rows, SchedulerStep::timeSec, SchedulerStep::runningQueueLen));
  }
}
