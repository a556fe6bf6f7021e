package dev.profilemate.report;

import dev.profilemate.report.SessionRows.PreemptionEvent;
import dev.profilemate.report.SessionRows.Request;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's latency (arrival to finish) cut into the four parts a vLLM user tunes separately:
 * queue wait (arrival → first scheduled), prefill (→ first token), decode (→ finished), and the
 * time spent preempted, waiting to resume, taken out of whichever of prefill or decode it fell
 * in. The parts add up to the latency. Read from request_lifecycle.csv's time columns and the
 * request's preempted/resumed pairs in preemption_events.csv.
 */
record RequestTimeSplit(double queueSec, double prefillSec, double decodeSec, double waitingToResumeSec) {

  static RequestTimeSplit of(Request r, List<PreemptionEvent> events) {
    double from = Double.isNaN(r.arrivalSec()) ? r.startedSec() : r.arrivalSec();
    double start = Double.isNaN(r.startedSec()) ? from : r.startedSec();
    double end = r.finishedSec();
    // without a first token (a request cut short) all its running time was prefill
    double first = Double.isNaN(r.firstTokenSec()) ? end : Math.min(Math.max(r.firstTokenSec(), start), end);
    List<double[]> waits = waits(r, events, start, first, end);
    double waitInPrefill = overlap(waits, start, first);
    double waitInDecode = overlap(waits, first, end);
    return new RequestTimeSplit(Math.max(0, start - from), Math.max(0, first - start) - waitInPrefill,
        Math.max(0, end - first) - waitInDecode, waitInPrefill + waitInDecode);
  }

  /**
   * The intervals from each preemption to its resumption. Without events (a session whose
   * preemption_events.csv lacks them), preemption_delay_sec, the total wait, is placed as one
   * interval before resumed_sec (the first resumption), or after preempted_sec (the first
   * preemption): exact for one preemption, an approximation of where the time fell for several.
   */
  private static List<double[]> waits(Request r, List<PreemptionEvent> events, double start, double first,
      double end) {
    List<double[]> out = new ArrayList<>();
    double preempted = Double.NaN;
    for (PreemptionEvent e : events) {
      if (e.event().equals("preempted")) {
        preempted = e.timeSec();
      } else if (e.event().equals("resumed") && !Double.isNaN(preempted)) {
        out.add(new double[] {preempted, e.timeSec()});
        preempted = Double.NaN;
      }
    }
    if (!Double.isNaN(preempted)) {
      out.add(new double[] {preempted, end}); // preempted, never resumed before it finished
    }
    double delay = r.preemptionDelaySec();
    if (out.isEmpty() && r.preemptions() > 0 && delay > 0) {
      double to = !Double.isNaN(r.resumedSec()) ? r.resumedSec()
          : !Double.isNaN(r.preemptedSec()) ? r.preemptedSec() + delay : end;
      out.add(new double[] {to - delay, to});
    }
    return out;
  }

  private static double overlap(List<double[]> intervals, double from, double to) {
    double sum = 0;
    for (double[] w : intervals) {
      sum += Math.max(0, Math.min(w[1], to) - Math.max(w[0], from));
    }
    return sum;
  }
}
