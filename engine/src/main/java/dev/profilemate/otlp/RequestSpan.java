package dev.profilemate.otlp;

import java.util.List;

/**
 * One finished request, as its spans will show it. Times are the probe's monotonic
 * nanoseconds (the sender turns them into wall-clock time); 0 where the event was not seen.
 *
 * @param pid the EngineCore process whose scheduler ran it
 * @param trace the W3C trace context it arrived with, or null (then its spans start a trace of their own)
 */
public record RequestSpan(
    String requestId,
    long pid,
    long arrivedNs,
    long scheduledNs,
    long firstTokenNs,
    long finishedNs,
    int promptTokens,
    int outputTokens,
    String finishReason,
    List<Chunk> chunks,
    List<Mark> marks,
    TraceContext trace) implements java.io.Serializable {

  /** Prefill work in one scheduler step; recompute: after a preemption (tokens thrown away before). */
  public record Chunk(long startNs, long endNs, long step, int tokens, boolean recompute) implements java.io.Serializable {}

  /**
   * A preemption or the resume after it: span events. tokensLost is what the preemption threw away
   * (num_computed_tokens), waitedNs how long the request waited to be resumed.
   */
  public record Mark(long tNs, String event, String reason, long tokensLost, long waitedNs) implements java.io.Serializable {}

  /** From the request's traceparent header: 32 and 16 lower-case hex digits, and the flags byte. */
  public record TraceContext(String traceId, String parentSpanId, int flags) implements java.io.Serializable {}

  public int preemptions() {
    return (int) marks.stream().filter(m -> m.event().equals("preempted")).count();
  }

  public long recomputedTokens() {
    return marks.stream().mapToLong(Mark::tokensLost).sum();
  }
}
