package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import dev.profilemate.report.SessionRows.Request;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * request_lifecycle.csv streamed: the counts and spreads the report shows, and only the requests
 * it draws or explains kept whole (the longest for the timelines, the slowest finished ones for
 * "why was this one slow"). A long session has millions of requests.
 */
record RequestSummary(
    long requests,
    long finished,
    long preemptedRequests,
    long preemptions,
    long recomputedTokens,
    Distribution.Summary preemptionDelaySec,
    Distribution.Summary latencySec,
    Distribution.Summary timeToFirstTokenSec,
    Distribution.Summary queueWaitSec,
    SortedMap<String, Long> finishReasons,
    List<Request> longest,
    List<Request> slowestFinished) {

  /** Longest first (a request without a finish counts as -1 s), then by id: the timelines' pick. */
  static final Comparator<Request> LONGEST = Comparator.comparingDouble(
      (Request r) -> Double.isNaN(r.latencySec()) ? -1 : r.latencySec()).reversed().thenComparing(Request::requestId);
  /** Slowest finished first, then by id: the requests "why was this one slow" explains. */
  static final Comparator<Request> SLOWEST = Comparator.comparingDouble(Request::latencySec).reversed()
      .thenComparing(Request::requestId);

  /** No request_lifecycle.csv (declared after the orders its reader uses). */
  static final RequestSummary NONE = new Reader(CsvRows.Header.NONE).summary();

  static final class Reader implements CsvRows.Sink {
    private final int[] col;
    private final Distribution delay = new Distribution();
    private final Distribution latency = new Distribution();
    private final Distribution ttft = new Distribution();
    private final Distribution queue = new Distribution();
    private final SortedMap<String, Long> finish = new TreeMap<>();
    private final Slowest<Request> longest = new Slowest<>(PreemptionAnalysis.MAX_TIMELINES, LONGEST);
    private final Slowest<Request> slowest = new Slowest<>(SlowRequests.TOP, SLOWEST);
    private long requests;
    private long finished;
    private long preemptedRequests;
    private long preemptions;
    private long recomputed;

    Reader(CsvRows.Header h) {
      col = new int[] {h.index("request_id"), h.index("arrival_sec"), h.index("started_sec"),
          h.index("first_token_sec"), h.index("finished_sec"), h.index("preempted_sec"), h.index("resumed_sec"),
          h.index("preemption_delay_sec"), h.index("queue_wait_sec"), h.index("num_prompt_tokens"),
          h.index("num_output_tokens"), h.index("num_preemptions"), h.index("recomputed_tokens"),
          h.index("finish_reason")};
    }

    @Override
    public void row(CsvRows.Row c) {
      Request r = new Request(c.text(col[0]), c.number(col[1]), c.number(col[2]), c.number(col[3]),
          c.number(col[4]), c.number(col[5]), c.number(col[6]), c.number(col[7]), c.number(col[8]),
          c.whole(col[9]), c.whole(col[10]), c.whole(col[11]), c.whole(col[12]), c.label(col[13]));
      requests++;
      if (r.preemptions() > 0) {
        preemptedRequests++;
        delay.add(r.preemptionDelaySec());
      }
      preemptions += r.preemptions();
      recomputed += r.recomputedTokens();
      if (!Double.isNaN(r.finishedSec())) {
        finished++;
        latency.add(r.latencySec());
      }
      ttft.add(r.firstTokenSec() - (Double.isNaN(r.arrivalSec()) ? r.startedSec() : r.arrivalSec()));
      queue.add(PreemptionAnalysis.queueWait(r));
      if (!r.finishReason().isEmpty()) {
        finish.merge(r.finishReason(), 1L, Long::sum);
      }
      longest.offer(r);
      if (!Double.isNaN(r.latencySec())) {
        slowest.offer(r);
      }
    }

    RequestSummary summary() {
      return new RequestSummary(requests, finished, preemptedRequests, preemptions, recomputed, delay.summary(),
          latency.summary(), ttft.summary(), queue.summary(), Collections.unmodifiableSortedMap(new TreeMap<>(finish)),
          longest.inOrder(), slowest.inOrder());
    }
  }

  /** The ids of the requests explained as slow: their preemption events are kept. */
  Set<String> slowestIds() {
    Set<String> ids = new HashSet<>();
    slowestFinished.forEach(r -> ids.add(r.requestId()));
    return ids;
  }
}
