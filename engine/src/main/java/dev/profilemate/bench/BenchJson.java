package dev.profilemate.bench;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.common.PrivateFiles;
import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link BenchResult} as JSON with the key names of {@code vllm bench serve --save-result}
 * ({@code completed}, {@code request_throughput}, {@code mean_ttft_ms}, {@code p99_itl_ms}, …) so
 * results can be compared side by side; ProfileMate's own keys come after them.
 */
public final class BenchJson {
  public static final String FORMAT = "profilemate-bench/1";

  private BenchJson() {}

  public static Map<String, Object> toMap(BenchResult r) {
    BenchSettings s = r.settings();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("model_id", s.model());
    m.put("base_url", s.baseUrl().toString());
    m.put("endpoint", s.endpoint().path());
    m.put("num_prompts", s.numPrompts());
    m.put("request_rate", s.requestRate() == null ? "inf" : s.requestRate());
    m.put("max_concurrency", s.maxConcurrency());
    m.put("prompt_len", s.promptLen().toString());
    m.put("output_len", s.outputLen().toString());
    m.put("prompt_type", s.promptType().label());
    m.put("seed", s.seed());
    m.put("duration", round(r.durationS(), 4));
    m.put("completed", r.completed());
    m.put("failed", r.failed());
    m.put("total_input_tokens", r.totalInputTokens());
    m.put("total_output_tokens", r.totalOutputTokens());
    m.put("request_throughput", round(r.requestThroughput(), 4));
    m.put("output_throughput", round(r.outputThroughput(), 3));
    m.put("total_token_throughput", round(r.totalTokenThroughput(), 3));
    latency(m, "ttft", r.ttft());
    latency(m, "tpot", r.tpot());
    latency(m, "itl", r.itl());
    latency(m, "e2el", r.e2el());
    m.put("requested_input_tokens", r.requestedInputTokens());
    m.put("input_tokens_from_usage", r.inputTokensFromUsage());
    m.put("requested_output_tokens", r.requestedOutputTokens());
    m.put("output_tokens_source", r.outputTokenSource());
    m.put("peak_in_flight", r.peakInFlight());
    List<Map<String, Object>> errors = new ArrayList<>();
    for (BenchResult.ErrorCount e : r.errors()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("reason", e.reason());
      x.put("count", e.count());
      errors.add(x);
    }
    m.put("errors", errors);
    m.put("warmup_error", r.warmupError());
    return m;
  }

  private static void latency(Map<String, Object> m, String name, Latency l) {
    m.put("mean_" + name + "_ms", round(l.meanMs(), 3));
    m.put("median_" + name + "_ms", round(l.p50Ms(), 3));
    m.put("p50_" + name + "_ms", round(l.p50Ms(), 3));
    m.put("p90_" + name + "_ms", round(l.p90Ms(), 3));
    m.put("p99_" + name + "_ms", round(l.p99Ms(), 3));
    m.put("max_" + name + "_ms", round(l.maxMs(), 3));
  }

  private static Object round(double v, int places) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return null;
    }
    return java.math.BigDecimal.valueOf(v).setScale(places, java.math.RoundingMode.HALF_EVEN).doubleValue();
  }

  public static String toJson(BenchResult r) {
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
        .withObjectIndenter(new DefaultIndenter("  ", "\n"))
        .withArrayIndenter(new DefaultIndenter("  ", "\n"));
    try {
      return new ObjectMapper().writer(pp).writeValueAsString(toMap(r)) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void write(Path out, BenchResult r) {
    try {
      PrivateFiles.writeString(out, toJson(r));
    } catch (IOException e) {
      throw new UserDataException("cannot write " + out + ": " + e.getMessage(), e);
    }
  }
}
