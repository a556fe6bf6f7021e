package dev.profilemate.compare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.cli.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * profilemate compare on sessions that differ by construction: the same workload drawn from one
 * seed, with TTFT scaled, or an engine setting changed, or vLLM's version changed.
 */
public class CompareCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An exported session of n requests: TTFT lognormal around ttftMs, TPOT around tpotMs. */
  public static Path session(Path dir, long seed, int n, double ttftMs, double tpotMs, String vllm, int maxNumSeqs)
      throws IOException {
    Files.createDirectories(dir);
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder req = new StringBuilder(
        "request_id,arrival_sec,queue_wait_sec,first_token_sec,finished_sec,num_prompt_tokens,num_output_tokens,num_preemptions\n");
    for (int i = 0; i < n; i++) {
      double arrival = i * 0.05;
      double ttft = ttftMs / 1e3 * Math.exp(0.4 * gauss(r));
      int out = 64 + r.nextInt(64);
      double tpot = tpotMs / 1e3 * Math.exp(0.1 * gauss(r));
      double first = arrival + ttft;
      double queue = 0.005 * Math.exp(0.3 * gauss(r)); // drawn apart from TTFT: scaling TTFT leaves it alone
      req.append(String.format(Locale.ROOT, "req-%d,%.6f,%.6f,%.6f,%.6f,%d,%d,%d%n", i, arrival, queue, first,
          first + tpot * (out - 1), 200 + r.nextInt(100), out, r.nextInt(10) == 0 ? 1 : 0));
    }
    Files.writeString(dir.resolve("request_lifecycle.csv"), req);
    StringBuilder steps = new StringBuilder("timestamp_sec,seq_utilization_pct,num_tokens\n");
    StringBuilder kv = new StringBuilder("timestamp_sec,usage_pct\n");
    for (int i = 0; i < 4 * n; i++) {
      steps.append(String.format(Locale.ROOT, "%.6f,%.2f,%d%n", i * 0.0125, 40 + 20 * r.nextDouble(), 100 + r.nextInt(50)));
      kv.append(String.format(Locale.ROOT, "%.6f,%.2f%n", i * 0.0125, 50 + 10 * r.nextDouble()));
    }
    Files.writeString(dir.resolve("batch_utilization.csv"), steps);
    Files.writeString(dir.resolve("kv_cache_usage.csv"), kv);
    Files.writeString(dir.resolve("metadata.json"), """
        {"engine": {"model": "/models/llama-8b", "served_model_name": "llama-8b", "vllm_version": "%s",
          "gpu_name": "NVIDIA H200", "dtype": "torch.bfloat16", "tensor_parallel_size": 1,
          "max_num_seqs": %d, "block_size": 16}}
        """.formatted(vllm, maxNumSeqs));
    return dir;
  }

  private static double gauss(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  @Test
  void aSlowerTtftIsTheLargestChangeAndFailsTheLimit(@TempDir Path tmp) throws IOException {
    Path a = session(tmp.resolve("before"), 1, 600, 80, 10, "0.33.0", 64);
    Path b = session(tmp.resolve("after"), 2, 600, 120, 10, "0.33.0", 64); // TTFT x1.5, all else the same
    Run r = Run.of("compare", a.toString(), b.toString(), "--fail-on-regression", "ttft_p50_ms=10",
        "--fail-on-regression", "tpot_p50_ms=10", "--json", tmp.resolve("c.json").toString());
    assertThat(r.code()).as(r.err()).isEqualTo(5);
    assertThat(r.err().lines().toList()).singleElement().asString()
        .startsWith("regression: ttft_p50_ms worse by").contains("in after, limit 10 %");
    assertThat(r.out()).contains("comparable: same model, vLLM, GPU and workload shape");
    JsonNode changes = JSON.readTree(tmp.resolve("c.json").toFile()).path("sessions").get(0).path("changes");
    // significant changes first, largest first: the three TTFT quantiles and nothing else is worse
    for (int i = 0; i < 3; i++) {
      assertThat(changes.get(i).path("metric").asText()).startsWith("ttft_");
      assertThat(changes.get(i).path("verdict").asText()).isEqualTo("worse");
      assertThat(changes.get(i).path("ci_low").asDouble()).isLessThan(0.5);
      assertThat(changes.get(i).path("ci_high").asDouble()).isGreaterThan(0.5);
    }
    for (JsonNode c : changes) {
      if (c.path("metric").asText().startsWith("tpot_")) {
        assertThat(c.path("verdict").asText()).isEqualTo("no clear change");
      }
    }
    // within the limit: exit 0
    assertThat(Run.of("compare", a.toString(), b.toString(), "--fail-on-regression", "ttft_p50_ms=80").code()).isZero();
  }

  @Test
  void anAaPairShowsNoClearChangeInLatency(@TempDir Path tmp) throws IOException {
    Path a = session(tmp.resolve("a1"), 11, 600, 80, 10, "0.33.0", 64);
    Path b = session(tmp.resolve("a2"), 12, 600, 80, 10, "0.33.0", 64);
    Run r = Run.of("compare", a.toString(), b.toString(), "--fail-on-regression", "ttft_p50_ms=0",
        "--fail-on-regression", "e2e_p50_ms=0", "--fail-on-regression", "output_tokens_per_s=0");
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void anotherVllmVersionIsSaidFirst(@TempDir Path tmp) throws IOException {
    Path a = session(tmp.resolve("a"), 1, 200, 80, 10, "0.33.0", 64);
    Path b = session(tmp.resolve("b"), 2, 200, 80, 10, "0.34.0", 64);
    Run r = Run.of("compare", a.toString(), b.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("NOT COMPARABLE: vLLM 0.33.0 vs 0.34.0");
  }

  @Test
  void aSweepIsOrderedBySettingAndChartedPerMetric(@TempDir Path tmp) throws IOException {
    Path s64 = session(tmp.resolve("s64"), 3, 300, 60, 12, "0.33.0", 64);
    Path s8 = session(tmp.resolve("s8"), 1, 300, 200, 8, "0.33.0", 8);
    Path s16 = session(tmp.resolve("s16"), 2, 300, 120, 10, "0.33.0", 16);
    Path html = tmp.resolve("sweep.html");
    Run r = Run.of("compare", s64.toString(), s8.toString(), s16.toString(), "--sweep", "max_num_seqs", "--html",
        html.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("baseline s8:").containsSubsequence("s16:", "settings changed: max_num_seqs 8 → 16",
        "s64:", "settings changed: max_num_seqs 8 → 64");
    String page = Files.readString(html);
    assertThat(page).contains("data-metric=\"ttft_p50_ms\"").contains("sweep of max_num_seqs");
    assertThat(page.contains("<script src=") || page.contains("<link ")).as("nothing fetched when the page opens").isFalse();
    String island = page.substring(page.indexOf("id=\"compare-data\">") + 18);
    JsonNode data = JSON.readTree(island.substring(0, island.indexOf("</script>")));
    assertThat(data.path("sweep_values").toString()).isEqualTo("[\"8\",\"16\",\"64\"]");
    assertThat(data.path("sessions").get(1).path("changes").get(0).path("metric").asText()).startsWith("ttft_");
  }

  @Test
  void badArgumentsAreOneLineEach(@TempDir Path tmp) throws IOException {
    Path a = session(tmp.resolve("a"), 1, 50, 80, 10, "0.33.0", 64);
    Run unknown = Run.of("compare", a.toString(), a.toString(), "--fail-on-regression", "ttft=10");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown metric 'ttft'; known: ttft_p50_ms");
    Run neither = Run.of("compare", a.toString(), a.toString(), "--fail-on-regression", "kv_usage_mean_pct=10");
    assertThat(neither.code()).isEqualTo(2);
    assertThat(neither.err()).contains("has no better side");
    assertThat(Run.of("compare", a.toString()).code()).isEqualTo(2);
    Run missing = Run.of("compare", a.toString(), tmp.resolve("nope").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err().lines().count()).isEqualTo(1);
    Run noKey = Run.of("compare", a.toString(), a.toString(), "--sweep", "max_num_batched_tokens");
    assertThat(noKey.code()).isEqualTo(2);
    assertThat(noKey.err()).contains("has no engine.max_num_batched_tokens");
  }
}
