package dev.profilemate.report;

import dev.profilemate.report.SessionRows.ForwardStep;
import dev.profilemate.report.SessionRows.Request;
import dev.profilemate.report.SessionRows.SchedulerStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * "Why was this one slow": for the slowest requests, where their time went — queue wait,
 * preemptions (waiting and recomputed tokens), prefill chunks, and the decode steps they shared
 * with long prefills. Joins request_lifecycle.csv with batch_utilization.csv (and the forward
 * step times) by timestamp. A step's time is its forward time, or without forward timing the
 * interval to the next scheduler step.
 */
record SlowRequests(SectionStatus status, double longPrefillTokens, List<SlowRequest> slowest) {

  static final int TOP = 20;
  /** A step whose prefill tokens reach this share of max_num_batched_tokens is a long prefill. */
  static final double LONG_PREFILL_SHARE = 0.5;
  /** A cause must explain at least this share of the latency to be named. */
  static final double MAIN_CAUSE_SHARE = 0.2;

  record SlowRequest(
      String requestId,
      double latencySec,
      double queueWaitSec,
      double timeToFirstTokenSec,
      long promptTokens,
      long outputTokens,
      long preemptions,
      double preemptionDelaySec,
      long recomputedTokens,
      long prefillChunksAtLeast,
      long prefillStepsAtMost,
      long stepsSharedWithLongPrefills,
      double timeInLongPrefillStepsSec,
      String mainCause,
      String why) {}

  static SlowRequests of(SessionData s) {
    List<SchedulerStep> steps = s.steps();
    double[] t = steps.stream().mapToDouble(SchedulerStep::timeSec).toArray();
    double[] forwardMs = forwardTimePerStep(t, s.forward());
    long maxTokens = steps.stream().mapToLong(SchedulerStep::maxTokens).max().orElse(0);
    double longPrefill = maxTokens > 0 ? Math.max(1, LONG_PREFILL_SHARE * maxTokens) : Double.NaN;
    List<SlowRequest> out = new ArrayList<>();
    s.requests().stream()
        .filter(r -> !Double.isNaN(r.latencySec()))
        .sorted(Comparator.comparingDouble(Request::latencySec).reversed().thenComparing(Request::requestId))
        .limit(TOP)
        .forEach(r -> out.add(explain(r, steps, t, forwardMs, maxTokens, longPrefill)));
    SectionStatus status = SectionStatus.of(s, Profiler.PREEMPTION);
    if (status.recorded() && out.isEmpty()) {
      status = SectionStatus.notRecorded("no request in request_lifecycle.csv has a finish time");
    }
    return new SlowRequests(status, longPrefill, out);
  }

  private static SlowRequest explain(Request r, List<SchedulerStep> steps, double[] t, double[] forwardMs,
      long maxTokens, double longPrefill) {
    double latency = r.latencySec();
    double queue = Math.max(0, nan0(PreemptionAnalysis.queueWait(r)));
    double from = Double.isNaN(r.arrivalSec()) ? r.startedSec() : r.arrivalSec();
    double ttft = r.firstTokenSec() - from;
    long prefillSteps = 0;
    if (!Double.isNaN(r.startedSec()) && !Double.isNaN(r.firstTokenSec())) {
      for (int i = lowerBound(t, r.startedSec()); i < t.length && t[i] < r.firstTokenSec(); i++) {
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
    long minChunks = maxTokens > 0 ? (r.promptTokens() + maxTokens - 1) / maxTokens : 0;
    double preemptWait = Math.max(0, nan0(r.preemptionDelaySec()));
    String[] cause = mainCause(latency, queue, preemptWait, sharedSec, r);
    return new SlowRequest(r.requestId(), latency, queue, ttft, r.promptTokens(), r.outputTokens(), r.preemptions(),
        preemptWait, r.recomputedTokens(), minChunks, prefillSteps, shared,
        shared == 0 || timed ? sharedSec : Double.NaN, cause[0], cause[1]);
  }

  private static String[] mainCause(double latency, double queue, double preemptWait, double sharedSec, Request r) {
    String[] names = {"queue wait", "preemption", "long prefills in its batches"};
    double[] secs = {queue, preemptWait, sharedSec};
    int best = 0;
    for (int i = 1; i < secs.length; i++) {
      if (secs[i] > secs[best]) {
        best = i;
      }
    }
    if (latency <= 0 || secs[best] < MAIN_CAUSE_SHARE * latency) {
      return new String[] {"its own work", String.format(Locale.ROOT,
          "no single cause: its own prefill (%d prompt tokens) and decode (%d output tokens) took most of its %.3f s",
          r.promptTokens(), r.outputTokens(), latency)};
    }
    String detail = switch (best) {
      case 0 -> String.format(Locale.ROOT, "waited %.3f s in the queue before its first step (%.0f%% of %.3f s)",
          queue, 100 * queue / latency, latency);
      case 1 -> String.format(Locale.ROOT,
          "preempted %d× and waited %.3f s to resume (%.0f%% of %.3f s); %d tokens recomputed",
          r.preemptions(), preemptWait, 100 * preemptWait / latency, latency, r.recomputedTokens());
      default -> String.format(Locale.ROOT,
          "its decode steps shared batches with long prefills for %.3f s (%.0f%% of %.3f s)",
          sharedSec, 100 * sharedSec / latency, latency);
    };
    return new String[] {names[best], detail};
  }

  /** Prefill tokens of a step; seed-only files have no such column, so fall back on the phase. */
  private static double prefillTokens(SchedulerStep st) {
    if (!Double.isNaN(st.prefillTokens())) {
      return st.prefillTokens();
    }
    return st.phase().equals("prefill") || st.phase().equals("mixed") ? st.numTokens() : 0;
  }

  /** The forward time of each scheduler step: the first forward step at or after it, before the next one. */
  static double[] forwardTimePerStep(double[] stepTimes, List<ForwardStep> forward) {
    double[] out = new double[stepTimes.length];
    Arrays.fill(out, Double.NaN);
    double[] ft = forward.stream().mapToDouble(ForwardStep::timeSec).toArray();
    for (int i = 0; i < stepTimes.length; i++) {
      int j = lowerBound(ft, stepTimes[i]);
      double next = i + 1 < stepTimes.length ? stepTimes[i + 1] : Double.POSITIVE_INFINITY;
      if (j < ft.length && ft[j] < next) {
        out[i] = forward.get(j).forwardMs();
      }
    }
    return out;
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
