package dev.profilemate.bench;

import java.util.List;

/**
 * The outcome of a benchmark run, in the terms of {@code vllm bench serve}. Latencies and token
 * counts cover completed requests only; failed requests are counted in {@code failed} and grouped
 * by reason in {@code errors}. {@code warmupError}: why the untimed warm-up request failed (null if
 * it did not, or none was sent).
 */
public record BenchResult(
    BenchSettings settings,
    double durationS,
    int completed,
    int failed,
    long totalInputTokens,
    int inputTokensFromUsage,
    long requestedInputTokens,
    long totalOutputTokens,
    int outputTokensFromUsage,
    long requestedOutputTokens,
    double requestThroughput,
    double outputThroughput,
    double totalTokenThroughput,
    int peakInFlight,
    Latency ttft,
    Latency tpot,
    Latency itl,
    Latency e2el,
    List<ErrorCount> errors,
    String warmupError) {

  public record ErrorCount(String reason, int count) {}

  /** Where the output token counts came from: "usage", "chunks" or "usage+chunks". */
  public String outputTokenSource() {
    if (completed == 0 || outputTokensFromUsage == completed) {
      return "usage";
    }
    return outputTokensFromUsage == 0 ? "chunks" : "usage+chunks";
  }
}
