package dev.profilemate.otlp;

import java.util.List;
import java.util.Map;

/**
 * What one send carries: the requests that finished and the steps taken since the last send
 * (the watermarks say which), with the session's clock anchor. Immutable between reader and sender.
 *
 * @param startNs the session's zero on the probe's monotonic clock; startWallNs the same instant in
 *     Unix nanoseconds
 * @param sentThrough per pid, the monotonic time up to which requests and steps are in this batch or
 *     an earlier one: the next batch starts after it
 */
public record OtlpBatch(
    String session,
    long startNs,
    long startWallNs,
    List<RequestSpan> requests,
    List<StepSample> steps,
    Watermarks sentThrough) {

  public long wallNs(long monotonicNs) {
    return startWallNs + (monotonicNs - startNs);
  }

  /** Per pid: the last finished request and the last step already sent (monotonic ns). */
  public record Watermarks(Map<Long, Long> requests, Map<Long, Long> steps) {
    public static final Watermarks NONE = new Watermarks(Map.of(), Map.of());

    public Watermarks {
      requests = Map.copyOf(requests);
      steps = Map.copyOf(steps);
    }

    long request(long pid) {
      return requests.getOrDefault(pid, Long.MIN_VALUE);
    }

    long step(long pid) {
      return steps.getOrDefault(pid, Long.MIN_VALUE);
    }
  }
}
