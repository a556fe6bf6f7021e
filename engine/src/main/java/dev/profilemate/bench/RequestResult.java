package dev.profilemate.bench;

/**
 * What one request measured. Times are nanoseconds; {@code startNs} is after the run's start,
 * the others after the request's own start. {@code ttftNs} is -1 when no token arrived.
 * {@code itlNs} holds the gaps between successive streamed chunks that carried text.
 */
public record RequestResult(
    int index,
    int promptLen,
    int outputLen,
    String error,
    long startNs,
    long ttftNs,
    long e2eNs,
    long[] itlNs,
    int textChunks,
    Integer usagePromptTokens,
    Integer usageCompletionTokens) {

  public boolean ok() {
    return error == null;
  }

  /** Output tokens: the server's usage count when it sent one, else the number of text chunks. */
  public int outputTokens() {
    return usageCompletionTokens != null ? usageCompletionTokens : textChunks;
  }

  /** Time per output token after the first: (E2E − TTFT) / (tokens − 1), as vllm bench serve; -1 if undefined. */
  public long tpotNs() {
    int n = outputTokens();
    return ttftNs >= 0 && n > 1 ? Math.round((e2eNs - ttftNs) / (double) (n - 1)) : -1;
  }

  static RequestResult failed(PlannedRequest p, long startNs, long e2eNs, String error) {
    return new RequestResult(p.index(), p.promptLen(), p.outputLen(), error, startNs, -1, e2eNs, new long[0], 0, null, null);
  }
}
