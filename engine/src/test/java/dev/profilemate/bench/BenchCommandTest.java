package dev.profilemate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.bench.StandInOpenAiServer.Reply;
import dev.profilemate.kernel.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code profilemate bench} through the CLI, against the stand-in server (not vLLM). */
class BenchCommandTest {
  @Test
  void printsTheSummaryAndWritesJsonWithVllmBenchServeKeys() throws Exception {
    Path out = Fixtures.outDir("bench-cli").resolve("r.json");
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(5, 2, -1))) {
      Fixtures.Run run = Fixtures.cli("bench", "--base-url", s.baseUrl().toString(), "--model", "m", "--num-prompts", "12",
          "--request-rate", "200", "--prompt-len", "normal:64,8", "--output-len", "uniform:2-6", "--seed", "3", "--json", out.toString());
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).contains("bench: 12 requests to " + s.baseUrl() + "/v1/completions (Poisson arrivals at 200 requests/s)",
          "Successful requests:                     12", "Time to first token (TTFT)", "Inter-token latency (ITL)", "wrote " + out);
      JsonNode j = new ObjectMapper().readTree(out.toFile());
      assertThat(j.path("completed").asInt()).isEqualTo(12);
      assertThat(j.path("failed").asInt()).isZero();
      assertThat(j.path("request_rate").asDouble()).isEqualTo(200.0);
      assertThat(j.path("max_concurrency").isNull()).isTrue();
      assertThat(j.path("prompt_len").asText()).isEqualTo("normal:64,8");
      assertThat(j.path("prompt_type").asText()).isEqualTo("token-ids");
      for (String k : new String[] {"mean_ttft_ms", "median_ttft_ms", "p90_ttft_ms", "p99_ttft_ms", "mean_tpot_ms", "p99_itl_ms",
          "p50_e2el_ms", "request_throughput", "output_throughput", "total_token_throughput", "total_output_tokens"}) {
        assertThat(j.has(k)).as(k).isTrue();
      }
      assertThat(j.path("total_output_tokens").asLong()).isBetween(12L * 2, 12L * 6);
      assertThat(j.path("output_tokens_source").asText()).isEqualTo("usage");
    }
  }

  @Test
  void chatEndpointSendsTextMessages() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(1, 1, 2))) {
      Fixtures.Run run = Fixtures.cli("bench", "--base-url", s.baseUrl() + "/v1", "--model", "m", "--endpoint", "chat",
          "--num-prompts", "3", "--max-concurrency", "1", "--prompt-len", "20");
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(s.paths).containsOnly("/v1/chat/completions");
      assertThat(run.out()).contains("(text prompts)", "max concurrency 1");
    }
  }

  @Test
  void allRequestsFailingIsExit1WithTheFirstReason() throws Exception {
    int port;
    try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
      port = ss.getLocalPort();
    }
    Fixtures.Run run = Fixtures.cli("bench", "--base-url", "http://127.0.0.1:" + port, "--model", "m", "--num-prompts", "2");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("Failed requests:                         2");
    assertThat(run.err().strip()).startsWith("bench: all 2 requests failed; first reason: cannot connect");
  }

  @Test
  void argumentErrorsExit2() {
    String[][] bad = {
      {"bench", "--model", "m"},
      {"bench", "--base-url", "http://x:1"},
      {"bench", "--base-url", "localhost:8000", "--model", "m"},
      {"bench", "--base-url", "ftp://x/", "--model", "m"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--request-rate", "5", "--max-concurrency", "2"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--request-rate", "0"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--max-concurrency", "0"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--num-prompts", "0"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--prompt-len", "uniform:9-3"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--output-len", "normal:abc"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--endpoint", "embeddings"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--endpoint", "chat", "--prompt-type", "token-ids"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--prompt-type", "images"},
      {"bench", "--base-url", "http://x:1", "--model", "m", "--request-timeout", "-1"},
    };
    for (String[] args : bad) {
      Fixtures.Run run = Fixtures.cli(args);
      assertThat(run.exit()).as(String.join(" ", args) + "\n" + run.err()).isEqualTo(2);
      assertThat(run.err()).as(String.join(" ", args)).isNotBlank();
    }
  }
}
