package dev.profilemate.report;

import dev.profilemate.report.SessionRows.PreemptionEvent;
import dev.profilemate.report.SessionRows.Request;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Preemptions (how many, why, what they cost in recomputed tokens and waiting) and request
 * timelines: queue wait, time to first token, end-to-end latency.
 */
record PreemptionAnalysis(
    SectionStatus status,
    long requests,
    long finished,
    long preemptions,
    long preemptedRequests,
    double preemptedRequestsPct,
    Map<String, Long> reasons,
    long recomputedTokens,
    Distribution.Summary preemptionDelaySec,
    Distribution.Summary latencySec,
    Distribution.Summary timeToFirstTokenSec,
    Distribution.Summary queueWaitSec,
    Map<String, Long> finishReasons,
    List<Timeline> timelines) {

  /** At most this many requests are drawn; the slowest are kept. */
  static final int MAX_TIMELINES = 200;

  /** One request on the time axis (seconds since the session started; NaN where not recorded). */
  record Timeline(String requestId, double arrivalSec, double startedSec, double firstTokenSec, double finishedSec,
      double preemptedSec, double resumedSec, long preemptions) {}

  static PreemptionAnalysis of(SessionData s) {
    Map<String, Long> reasons = new TreeMap<>();
    long preemptions = 0;
    for (PreemptionEvent e : s.preemptions()) {
      if (e.event().equals("preempted")) {
        preemptions++;
        reasons.merge(e.reason().isEmpty() ? "unknown" : e.reason(), 1L, Long::sum);
      }
    }
    Distribution delay = new Distribution();
    Distribution latency = new Distribution();
    Distribution ttft = new Distribution();
    Distribution queue = new Distribution();
    Map<String, Long> finish = new TreeMap<>();
    long preemptedReqs = 0;
    long recomputed = 0;
    long finished = 0;
    long lifecyclePreemptions = 0;
    for (Request r : s.requests()) {
      if (r.preemptions() > 0) {
        preemptedReqs++;
        delay.add(r.preemptionDelaySec());
      }
      lifecyclePreemptions += r.preemptions();
      recomputed += r.recomputedTokens();
      if (!Double.isNaN(r.finishedSec())) {
        finished++;
        latency.add(r.latencySec());
      }
      ttft.add(r.firstTokenSec() - (Double.isNaN(r.arrivalSec()) ? r.startedSec() : r.arrivalSec()));
      queue.add(queueWait(r));
      if (!r.finishReason().isEmpty()) {
        finish.merge(r.finishReason(), 1L, Long::sum);
      }
    }
    List<Timeline> timelines = s.requests().stream()
        .sorted(Comparator.comparingDouble((Request r) -> Double.isNaN(r.latencySec()) ? -1 : r.latencySec())
            .reversed().thenComparing(Request::requestId))
        .limit(MAX_TIMELINES)
        .sorted(Comparator.comparingDouble(PreemptionAnalysis::startOf).thenComparing(Request::requestId))
        .map(r -> new Timeline(r.requestId(), r.arrivalSec(), r.startedSec(), r.firstTokenSec(), r.finishedSec(),
            r.preemptedSec(), r.resumedSec(), r.preemptions()))
        .toList();
    long n = s.requests().size();
    SectionStatus status = SectionStatus.of(s, Profiler.PREEMPTION);
    if (!status.recorded() && !s.preemptions().isEmpty()) {
      status = SectionStatus.RECORDED;
    }
    return new PreemptionAnalysis(status, n, finished, Math.max(preemptions, lifecyclePreemptions), preemptedReqs,
        n > 0 ? 100.0 * preemptedReqs / n : Double.NaN, reasons, recomputed, delay.summary(), latency.summary(),
        ttft.summary(), queue.summary(), finish, timelines);
  }

  static double queueWait(Request r) {
    if (!Double.isNaN(r.queueWaitSec())) {
      return r.queueWaitSec();
    }
    return r.startedSec() - r.arrivalSec();
  }

  private static double startOf(Request r) {
    return Double.isNaN(r.arrivalSec()) ? r.startedSec() : r.arrivalSec();
  }
}
