package dev.profilemate.report;

import dev.profilemate.report.SessionRows.PreemptionEvent;
import dev.profilemate.report.SessionRows.Request;
import dev.profilemate.report.SessionRows.SchedulerStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * "Why was this one slow": for the slowest requests, where their time went — queue wait, prefill,
 * decode and waiting to resume after preemptions ({@link RequestTimeSplit}), named by the largest
 * part — with their prefill chunks and the decode steps they shared with long prefills. Joins
 * request_lifecycle.csv and preemption_events.csv with batch_utilization.csv (and the forward
 * step times) by timestamp. A step's time is its forward time, or without forward timing the
 * interval to the next scheduler step.
 */
record SlowRequests(SectionStatus status, double longPrefillTokens, List<SlowRequest> slowest) {

  static final int TOP = 20;
  /** A step whose prefill tokens reach this share of max_num_batched_tokens is a long prefill. */
  static final double LONG_PREFILL_SHARE = 0.5;

  record SlowRequest(
      String requestId,
      double latencySec,
      double queueWaitSec,
      double prefillSec,
      double decodeSec,
      double waitingToResumeSec,
      double timeToFirstTokenSec,
      long promptTokens,
      long outputTokens,
      long preemptions,
      long recomputedTokens,
      long prefillChunksAtLeast,
      long prefillChunksAtMost,
      long stepsSharedWithLongPrefills,
      double timeInLongPrefillStepsSec,
      String mainCause,
      String why) {

    /** "4" when the bounds meet, "2–3" when they do not, "n/a" without steps. */
    String prefillChunks() {
      if (prefillChunksAtMost == 0) {
        return "n/a";
      }
      return prefillChunksAtLeast == prefillChunksAtMost ? String.valueOf(prefillChunksAtMost)
          : prefillChunksAtLeast + "–" + prefillChunksAtMost;
    }
  }

  static SlowRequests of(SessionData s) {
    SchedulerStepRows steps = s.steps();
    double[] t = steps.times();
    double[] forwardMs = forwardTimePerStep(t, s.forward());
    long maxTokens = steps.stream().mapToLong(SchedulerStep::maxTokens).max().orElse(0);
    double longPrefill = maxTokens > 0 ? Math.max(1, LONG_PREFILL_SHARE * maxTokens) : Double.NaN;
    List<SlowRequest> out = new ArrayList<>();
    for (Request r : s.requests().slowestFinished()) { // the slowest finished, kept as the file streamed by
      out.add(explain(r, s.preemptions().of(r.requestId()), steps, t, forwardMs, maxTokens, longPrefill));
    }
    SectionStatus status = SectionStatus.of(s, Profiler.PREEMPTION);
    if (status.recorded() && out.isEmpty()) {
      status = SectionStatus.notRecorded("no request in request_lifecycle.csv has a finish time");
    }
    return new SlowRequests(status, longPrefill, out);
  }

  private static SlowRequest explain(Request r, List<PreemptionEvent> events, List<SchedulerStep> steps, double[] t,
      double[] forwardMs, long maxTokens, double longPrefill) {
    double latency = r.latencySec();
    RequestTimeSplit split = RequestTimeSplit.of(r, events);
    double from = Double.isNaN(r.arrivalSec()) ? r.startedSec() : r.arrivalSec();
    double ttft = r.firstTokenSec() - from;
    long prefillSteps = 0;
    if (!Double.isNaN(r.startedSec()) && !Double.isNaN(r.firstTokenSec())) {
      // a step's timestamp is taken as schedule() begins: the step that started the request is
      // the last one at or before started_sec, not the first one after it
      for (int i = Math.max(0, upperBound(t, r.startedSec()) - 1); i < t.length && t[i] < r.firstTokenSec(); i++) {
        prefillSteps += prefillTokens(steps.get(i)) > 0 ? 1 : 0;
      }
    }
    long shared = 0;
    double sharedSec = 0;
    boolean timed = false;
    if (!Double.isNaN(longPrefill)) {
      double decodeFrom = Double.isNaN(r.firstTokenSec()) ? r.startedSec() : r.firstTokenSec();
      for (int i = lowerBound(t, decodeFrom); i < t.length && t[i] <= r.finishedSec(); i++) {
        if (prefillTokens(steps.get(i)) >= longPrefill) {
          shared++;
          // the forward time of the step; without forward timing, the time until the next step
          double sec = !Double.isNaN(forwardMs[i]) ? forwardMs[i] / 1e3 : i + 1 < t.length ? t[i + 1] - t[i]
              : Double.NaN;
          sharedSec += nan0(sec);
          timed |= !Double.isNaN(sec);
        }
      }
    }
    // a prompt needs ⌈prompt ÷ budget⌉ chunks, fewer when its prefix was cached: never more than
    // the steps that did prefill work while it was in prefill
    long needed = maxTokens > 0 ? (r.promptTokens() + maxTokens - 1) / maxTokens : 0;
    long atLeast = Math.min(Math.max(1, needed), prefillSteps);
    String[] cause = mainCause(latency, split, r, prefillSteps, shared, shared == 0 || timed ? sharedSec
        : Double.NaN);
    return new SlowRequest(r.requestId(), latency, split.queueSec(), split.prefillSec(), split.decodeSec(),
        split.waitingToResumeSec(), ttft, r.promptTokens(), r.outputTokens(), r.preemptions(), r.recomputedTokens(),
        atLeast, prefillSteps, shared, shared == 0 || timed ? sharedSec : Double.NaN, cause[0], cause[1]);
  }

  /** The largest of the four parts names the request's main cause; ties go to the earlier part. */
  private static String[] mainCause(double latency, RequestTimeSplit split, Request r, long chunks, long shared,
      double sharedSec) {
    String[] names = {"queue wait", "prefill", "decode", "preempted"};
    double[] secs = {split.queueSec(), split.prefillSec(), split.decodeSec(), split.waitingToResumeSec()};
    int best = 0;
    for (int i = 1; i < secs.length; i++) {
      if (secs[i] > secs[best]) {
        best = i;
      }
    }
    String share = latency > 0 ? String.format(Locale.ROOT, " (%.0f%% of %.3f s)", 100 * secs[best] / latency,
        latency) : "";
    String detail = switch (best) {
      case 0 -> String.format(Locale.ROOT, "waited %.3f s in the queue before its first step", secs[0]);
      case 1 -> String.format(Locale.ROOT, "its prefill of %d prompt tokens took %.3f s", r.promptTokens(), secs[1])
          + (chunks > 1 ? " over " + chunks + " chunks" : "");
      case 2 -> String.format(Locale.ROOT, "its decode of %d output tokens took %.3f s", r.outputTokens(), secs[2]);
      default -> String.format(Locale.ROOT, "preempted %d× and waited %.3f s to resume", r.preemptions(), secs[3]);
    };
    String tail = "";
    if (best == 3) {
      tail = "; " + r.recomputedTokens() + " tokens recomputed";
    } else if (best == 2 && shared > 0) {
      tail = String.format(Locale.ROOT, "; %d of its decode steps carried long prefills", shared)
          + (Double.isNaN(sharedSec) ? "" : String.format(Locale.ROOT, " (%.3f s)", sharedSec));
    }
    return new String[] {names[best], detail + share + tail};
  }

  /** Prefill tokens of a step; seed-only files have no such column, so fall back on the phase. */
  private static double prefillTokens(SchedulerStep st) {
    if (!Double.isNaN(st.prefillTokens())) {
      return st.prefillTokens();
    }
    return st.phase().equals("prefill") || st.phase().equals("mixed") ? st.numTokens() : 0;
  }

  /** The forward time of each scheduler step: the first forward step at or after it, before the next one. */
  static double[] forwardTimePerStep(double[] stepTimes, ForwardStepRows forward) {
    double[] out = new double[stepTimes.length];
    Arrays.fill(out, Double.NaN);
    double[] ft = forward.times();
    for (int i = 0; i < stepTimes.length; i++) {
      int j = lowerBound(ft, stepTimes[i]);
      double next = i + 1 < stepTimes.length ? stepTimes[i + 1] : Double.POSITIVE_INFINITY;
      if (j < ft.length && ft[j] < next) {
        out[i] = forward.forwardMs(j);
      }
    }
    return out;
  }

  /** First index whose value is > x, in a sorted array. */
  static int upperBound(double[] a, double x) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** First index whose value is ≥ x, in a sorted array. */
  static int lowerBound(double[] a, double x) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static double nan0(double v) {
    return Double.isNaN(v) ? 0 : v;
  }
}
