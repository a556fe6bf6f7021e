package dev.profilemate.report;

import dev.profilemate.export.SessionFile;
import dev.profilemate.report.SessionRows.Request;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

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
    RequestSummary r = s.requests();
    List<Timeline> timelines = r.longest().stream() // the longest, as request_lifecycle.csv streamed by
        .sorted(Comparator.comparingDouble(PreemptionAnalysis::startOf).thenComparing(Request::requestId))
        .map(q -> new Timeline(q.requestId(), q.arrivalSec(), q.startedSec(), q.firstTokenSec(), q.finishedSec(),
            q.preemptedSec(), q.resumedSec(), q.preemptions()))
        .toList();
    long n = r.requests();
    SectionStatus status = SectionStatus.of(s, Profiler.PREEMPTION);
    if (!status.recorded() && s.file(SessionFile.PREEMPTION_EVENTS).hasRows()) {
      status = SectionStatus.RECORDED;
    }
    return new PreemptionAnalysis(status, n, r.finished(), Math.max(s.preemptions().preempted(), r.preemptions()),
        r.preemptedRequests(), n > 0 ? 100.0 * r.preemptedRequests() / n : Double.NaN, s.preemptions().reasons(),
        r.recomputedTokens(), r.preemptionDelaySec(), r.latencySec(), r.timeToFirstTokenSec(), r.queueWaitSec(),
        r.finishReasons(), timelines);
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
