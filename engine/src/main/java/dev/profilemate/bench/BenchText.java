package dev.profilemate.bench;

import java.util.Locale;

/** The text summary printed after a benchmark run. */
public final class BenchText {
  private BenchText() {}

  public static String render(BenchResult r) {
    StringBuilder sb = new StringBuilder();
    BenchSettings s = r.settings();
    sb.append("============ Serving benchmark (").append(s.endpoint().label()).append(", ").append(s.loadLabel())
        .append(") ============\n");
    line(sb, "Model", s.model());
    line(sb, "Prompt / output length (requested)", s.promptLen() + " / " + s.outputLen() + " tokens (" + s.promptType().label() + " prompts)");
    line(sb, "Successful requests", Integer.toString(r.completed()));
    line(sb, "Failed requests", Integer.toString(r.failed()));
    line(sb, "Benchmark duration (s)", f(r.durationS(), 2));
    line(sb, "Peak requests in flight", Integer.toString(r.peakInFlight()));
    line(sb, "Total input tokens", r.totalInputTokens() + inputNote(r));
    line(sb, "Total generated tokens", r.totalOutputTokens() + outputNote(r));
    line(sb, "Request throughput (req/s)", f(r.requestThroughput(), 2));
    line(sb, "Output token throughput (tok/s)", f(r.outputThroughput(), 2));
    line(sb, "Total token throughput (tok/s)", f(r.totalTokenThroughput(), 2));
    sb.append(String.format(Locale.ROOT, "%-40s %9s %9s %9s %9s %9s%n", "latency (ms)", "mean", "P50", "P90", "P99", "max"));
    latency(sb, "Time to first token (TTFT)", r.ttft());
    latency(sb, "Time per output token (TPOT)", r.tpot());
    latency(sb, "Inter-token latency (ITL)", r.itl());
    latency(sb, "End-to-end latency (E2E)", r.e2el());
    if (r.warmupError() != null) {
      sb.append("Warm-up request (not counted) failed: ").append(r.warmupError()).append('\n');
    }
    if (!r.errors().isEmpty()) {
      sb.append("Failed requests by reason:\n");
      for (BenchResult.ErrorCount e : r.errors()) {
        sb.append(String.format(Locale.ROOT, "  %5d  %s%n", e.count(), e.reason()));
      }
    }
    sb.append("=".repeat(60)).append('\n');
    return sb.toString();
  }

  private static String inputNote(BenchResult r) {
    if (r.completed() == 0) {
      return "";
    }
    if (r.inputTokensFromUsage() == r.completed()) {
      return " (server count; requested " + r.requestedInputTokens() + ")";
    }
    return " (requested lengths; the server sent no usage)";
  }

  private static String outputNote(BenchResult r) {
    return switch (r.outputTokenSource()) {
      case "usage" -> r.completed() == 0 ? "" : " (server count; requested " + r.requestedOutputTokens() + ")";
      case "chunks" -> " (counted from streamed chunks: the server sent no usage)";
      default -> " (server count where sent, else streamed chunks)";
    };
  }

  private static void line(StringBuilder sb, String k, String v) {
    sb.append(String.format(Locale.ROOT, "%-40s %s%n", k + ":", v));
  }

  private static void latency(StringBuilder sb, String name, Latency l) {
    sb.append(String.format(Locale.ROOT, "%-40s %9s %9s %9s %9s %9s%n", name, f(l.meanMs(), 2), f(l.p50Ms(), 2),
        f(l.p90Ms(), 2), f(l.p99Ms(), 2), f(l.maxMs(), 2)));
  }

  static String f(double v, int places) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + places + "f", v);
  }
}
