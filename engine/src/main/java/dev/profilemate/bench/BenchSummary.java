package dev.profilemate.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Aggregates request results into a {@link BenchResult}. */
final class BenchSummary {
  private BenchSummary() {}

  static BenchResult of(BenchSettings s, List<RequestResult> results, long durationNs, String warmupError) {
    Latency.Recorder ttft = new Latency.Recorder();
    Latency.Recorder tpot = new Latency.Recorder();
    Latency.Recorder itl = new Latency.Recorder();
    Latency.Recorder e2el = new Latency.Recorder();
    Map<String, Integer> errors = new LinkedHashMap<>();
    int completed = 0;
    long input = 0;
    int inputFromUsage = 0;
    long requestedIn = 0;
    long output = 0;
    int outputFromUsage = 0;
    long requestedOut = 0;
    for (RequestResult r : results) {
      if (!r.ok()) {
        errors.merge(r.error(), 1, Integer::sum);
        continue;
      }
      completed++;
      requestedIn += r.promptLen();
      requestedOut += r.outputLen();
      if (r.usagePromptTokens() != null) {
        input += r.usagePromptTokens();
        inputFromUsage++;
      } else {
        input += r.promptLen();
      }
      output += r.outputTokens();
      if (r.usageCompletionTokens() != null) {
        outputFromUsage++;
      }
      if (r.ttftNs() >= 0) {
        ttft.add(r.ttftNs());
      }
      if (r.tpotNs() >= 0) {
        tpot.add(r.tpotNs());
      }
      for (long gap : r.itlNs()) {
        itl.add(gap);
      }
      e2el.add(r.e2eNs());
    }
    double secs = durationNs / 1e9;
    List<BenchResult.ErrorCount> errorList = new ArrayList<>();
    errors.forEach((k, v) -> errorList.add(new BenchResult.ErrorCount(k, v)));
    errorList.sort(Comparator.comparingInt(BenchResult.ErrorCount::count).reversed());
    return new BenchResult(s, secs, completed, results.size() - completed, input, inputFromUsage, requestedIn,
        output, outputFromUsage, requestedOut,
        secs > 0 ? completed / secs : 0, secs > 0 ? output / secs : 0, secs > 0 ? (input + output) / secs : 0,
        peakInFlight(results), ttft.summary(), tpot.summary(), itl.summary(), e2el.summary(), List.copyOf(errorList),
        warmupError);
  }

  /** The most requests that were in flight at once, seen from the client. */
  static int peakInFlight(List<RequestResult> results) {
    long[][] ev = new long[results.size() * 2][];
    int n = 0;
    for (RequestResult r : results) {
      ev[n++] = new long[] {r.startNs(), 1};
      ev[n++] = new long[] {r.startNs() + r.e2eNs(), -1};
    }
    Arrays.sort(ev, 0, n, Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
    int cur = 0;
    int peak = 0;
    for (int i = 0; i < n; i++) {
      cur += (int) ev[i][1];
      peak = Math.max(peak, cur);
    }
    return peak;
  }
}
