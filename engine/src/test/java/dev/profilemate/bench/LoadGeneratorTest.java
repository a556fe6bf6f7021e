package dev.profilemate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.bench.StandInOpenAiServer.Ending;
import dev.profilemate.bench.StandInOpenAiServer.Reply;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The load generator against {@link StandInOpenAiServer} (a stand-in, not vLLM) whose delays are
 * known: measured latencies can never be below the stand-in's sleeps, and on a loaded 2-core
 * machine they stay within {@link #SLACK_MS} above them ({@link #SLACK_MAX_MS} for P99: with 100
 * requests one slow outlier is the max, not P99). The known delays are 25 ms apart, so a
 * percentile taken at the wrong rank falls outside its bounds. Each run starts with the untimed
 * warm-up request, which is the stand-in's arrival 0; timed requests are arrivals 1..n.
 */
class LoadGeneratorTest {
  static final double SLACK_MS = 45;
  static final double SLACK_MAX_MS = 80;

  static BenchSettings settings(URI url, int n, Double rate, Integer concurrency, LengthDistribution out) {
    return new BenchSettings(url, "stand-in-model", Endpoint.COMPLETIONS, n, rate, concurrency,
        LengthDistribution.fixed(16), out, PromptType.TOKEN_IDS, 1, 60, true);
  }

  /** Nearest-rank percentile (the definition HdrHistogram uses) of known values. */
  static double percentile(long[] values, double p) {
    long[] v = values.clone();
    Arrays.sort(v);
    int rank = (int) Math.ceil(p / 100.0 * v.length);
    return v[Math.max(0, rank - 1)];
  }

  static void near(double measured, double expected, String what) {
    near(measured, expected, SLACK_MS, what);
  }

  static void near(double measured, double expected, double slack, String what) {
    assertThat(measured).as(what + " (expected %.1f ms)", expected).isBetween(expected - 1.0, expected + slack);
  }

  @Test
  void ttftItlE2eAndTpotPercentilesMatchTheStandInsKnownDelays() throws Exception {
    // arrival i waits 20 + 25*(i%10) ms for its first token, then 15 ms per further token; 6 tokens
    int n = 100;
    long itl = 15;
    int tokens = 6;
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(20 + 25 * (i % 10), itl, tokens))) {
      BenchResult r = new LoadGenerator(settings(s.baseUrl(), n, null, 10, LengthDistribution.fixed(tokens))).run();

      long[] ttft = new long[n];
      long[] e2e = new long[n];
      for (int i = 0; i < n; i++) {
        ttft[i] = 20 + 25 * ((i + 1) % 10);
        e2e[i] = ttft[i] + (tokens - 1) * itl;
      }
      assertThat(r.completed()).isEqualTo(n);
      assertThat(r.failed()).isZero();
      assertThat(r.ttft().count()).isEqualTo(n);
      near(r.ttft().p50Ms(), percentile(ttft, 50), "TTFT P50");
      near(r.ttft().p90Ms(), percentile(ttft, 90), "TTFT P90");
      near(r.ttft().p99Ms(), percentile(ttft, 99), SLACK_MAX_MS, "TTFT P99");
      near(r.ttft().meanMs(), Arrays.stream(ttft).average().orElseThrow(), "TTFT mean");
      near(r.e2el().p50Ms(), percentile(e2e, 50), "E2E P50");
      near(r.e2el().p90Ms(), percentile(e2e, 90), "E2E P90");
      near(r.e2el().p99Ms(), percentile(e2e, 99), SLACK_MAX_MS, "E2E P99");
      near(r.e2el().meanMs(), Arrays.stream(e2e).average().orElseThrow(), "E2E mean");
      // ITL: one gap per token after the first; a late chunk shortens the next gap, so only the mean is bounded below
      assertThat(r.itl().count()).isEqualTo((long) n * (tokens - 1));
      near(r.itl().meanMs(), itl, "ITL mean");
      assertThat(r.itl().p50Ms()).isBetween(itl - 5.0, itl + SLACK_MS);
      assertThat(r.itl().p90Ms()).isBetween(itl - 5.0, itl + SLACK_MS);
      near(r.tpot().meanMs(), itl, "TPOT mean");
      near(r.tpot().p50Ms(), itl, "TPOT P50");
      assertThat(r.totalOutputTokens()).isEqualTo((long) n * tokens);
      assertThat(r.outputTokenSource()).isEqualTo("usage");
      assertThat(r.totalInputTokens()).isEqualTo(16L * n);
      assertThat(r.outputThroughput()).isCloseTo(r.totalOutputTokens() / r.durationS(), within(1e-6));
      assertThat(r.requestThroughput()).isCloseTo(n / r.durationS(), within(1e-6));
    }
  }

  @Test
  void maxConcurrencyKeepsExactlyThatManyRequestsInFlight() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(100, 5, 2))) {
      BenchResult r = new LoadGenerator(settings(s.baseUrl(), 12, null, 3, LengthDistribution.fixed(2))).run();
      assertThat(r.completed()).isEqualTo(12);
      assertThat(s.requests()).isEqualTo(1 + 12);
      assertThat(s.maxInFlight()).isEqualTo(3);
      assertThat(r.peakInFlight()).isEqualTo(3);
      assertThat(r.durationS()).isGreaterThanOrEqualTo(4 * 0.105); // 4 waves of 3
    }
  }

  @Test
  void withoutRateOrConcurrencyEveryRequestIsSentAtOnce() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(400, 5, 2))) {
      BenchResult r = new LoadGenerator(settings(s.baseUrl(), 10, null, null, LengthDistribution.fixed(2))).run();
      assertThat(r.completed()).isEqualTo(10);
      assertThat(s.maxInFlight()).isEqualTo(10);
      assertThat(r.durationS()).isLessThan(2 * 0.405);
    }
  }

  @Test
  void requestRateSendsOnThePoissonScheduleWhateverTheServerLatency() throws Exception {
    // 300 ms per request at about 40 requests/s: concurrency is not limited, so ~12 overlap
    BenchSettings st;
    List<PlannedRequest> plan;
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(300, 5, 2))) {
      st = settings(s.baseUrl(), 30, 40.0, null, LengthDistribution.fixed(2));
      plan = RequestPlan.of(st);
      BenchResult r = new LoadGenerator(st).run();
      assertThat(r.completed()).isEqualTo(30);
      assertThat(s.maxInFlight()).isGreaterThan(5);
      double plannedSpanMs = plan.get(29).sendAtNs() / 1e6;
      List<Long> timed = s.arrivalNanos.subList(1, s.arrivalNanos.size());
      double seenSpanMs = (timed.stream().mapToLong(Long::longValue).max().orElseThrow()
          - timed.stream().mapToLong(Long::longValue).min().orElseThrow()) / 1e6;
      assertThat(seenSpanMs).as("first-to-last arrival at the server vs the plan").isBetween(plannedSpanMs - 50, plannedSpanMs + 100);
      assertThat(r.durationS() * 1000).isGreaterThanOrEqualTo(plannedSpanMs + 300);
    }
  }

  @Test
  void failedRequestsAreCountedByReasonAndLeftOutOfTheLatencies() throws Exception {
    // arrival i: i%5==1 HTTP 500, ==2 stream cut before [DONE], ==3 error event in the stream, else fine (the warm-up is i=0)
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> switch (i % 5) {
      case 1 -> Reply.ok(10, 5, 4).withStatus(500);
      case 2 -> Reply.ok(10, 5, 4).withEnding(Ending.CUT);
      case 3 -> Reply.ok(10, 5, 4).withEnding(Ending.ERROR_EVENT);
      default -> Reply.ok(10, 5, 4);
    })) {
      BenchResult r = new LoadGenerator(settings(s.baseUrl(), 20, null, 1, LengthDistribution.fixed(4))).run();
      assertThat(r.completed()).isEqualTo(8);
      assertThat(r.failed()).isEqualTo(12);
      assertThat(r.errors()).containsExactlyInAnyOrder(
          new BenchResult.ErrorCount("HTTP 500: stand-in says no", 4),
          new BenchResult.ErrorCount("stream ended before data: [DONE] (2 text chunks received)", 4),
          new BenchResult.ErrorCount("server error in stream: stand-in engine died", 4));
      assertThat(r.e2el().count()).isEqualTo(8);
      assertThat(r.ttft().count()).isEqualTo(8);
      assertThat(r.totalOutputTokens()).isEqualTo(8 * 4);
      assertThat(r.warmupError()).isNull();
      assertThat(BenchText.render(r)).contains("Failed requests:", "12", "HTTP 500: stand-in says no");
    }
  }

  @Test
  void aRequestStillStreamingAtItsTimeoutIsAFailure() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> i == 2 ? Reply.ok(0, 0, 2).withEnding(Ending.HANG) : Reply.ok(5, 5, 2))) {
      BenchSettings st = new BenchSettings(s.baseUrl(), "m", Endpoint.COMPLETIONS, 3, null, 1,
          LengthDistribution.fixed(4), LengthDistribution.fixed(2), PromptType.TOKEN_IDS, 1, 0.5, true);
      long t0 = System.nanoTime();
      BenchResult r = new LoadGenerator(st).run();
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
      assertThat(r.completed()).isEqualTo(2);
      assertThat(r.errors()).containsExactly(new BenchResult.ErrorCount("timed out after 0.5 s", 1));
    }
  }

  @Test
  void aServerThatIsNotThereFailsEveryRequestWithTheReason() throws Exception {
    int port;
    try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
      port = ss.getLocalPort();
    }
    BenchResult r = new LoadGenerator(settings(URI.create("http://127.0.0.1:" + port), 3, null, null, LengthDistribution.fixed(2))).run();
    assertThat(r.completed()).isZero();
    assertThat(r.failed()).isEqualTo(3);
    assertThat(r.errors().get(0).reason()).startsWith("cannot connect");
    assertThat(r.warmupError()).startsWith("cannot connect");
    assertThat(BenchText.render(r)).contains("Warm-up request (not counted) failed: cannot connect");
  }

  @Test
  void aFailedWarmUpIsReportedButNotCounted() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> i == 0 ? Reply.ok(1, 1, 2).withStatus(503) : Reply.ok(1, 1, 2))) {
      BenchResult r = new LoadGenerator(settings(s.baseUrl(), 5, null, null, LengthDistribution.fixed(2))).run();
      assertThat(r.completed()).isEqualTo(5);
      assertThat(r.failed()).isZero();
      assertThat(r.warmupError()).isEqualTo("HTTP 503: stand-in says no");
    }
  }

  @Test
  void withoutWarmUpTheFirstArrivalIsTimed() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(1, 1, 2))) {
      BenchSettings st = new BenchSettings(s.baseUrl(), "m", Endpoint.COMPLETIONS, 4, null, null,
          LengthDistribution.fixed(5), LengthDistribution.fixed(2), PromptType.TOKEN_IDS, 1, 60, false);
      new LoadGenerator(st).run();
      assertThat(s.requests()).isEqualTo(4);
      assertThat(s.bodies).allSatisfy(b -> assertThat(b.path("prompt").size()).isEqualTo(5));
    }
  }

  @Test
  void outputTokensComeFromUsageNotFromChunks() throws Exception {
    // 2 tokens per chunk: 8 tokens arrive in 4 chunks; usage says 8
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(10, 10, 8).withChunking(2, true))) {
      BenchResult r = new LoadGenerator(settings(s.baseUrl(), 4, null, 2, LengthDistribution.fixed(8))).run();
      assertThat(r.totalOutputTokens()).isEqualTo(4 * 8);
      assertThat(r.outputTokenSource()).isEqualTo("usage");
      assertThat(r.itl().count()).isEqualTo(4 * 3); // gaps between the 4 chunks
      // TPOT = (E2E - TTFT) / (8 - 1): 3 gaps of 10 ms spread over 7 tokens
      assertThat(r.tpot().meanMs()).isBetween(30.0 / 7 - 0.5, 30.0 / 7 + SLACK_MS / 7);
    }
  }

  @Test
  void withoutUsageTheChunksAreCountedAndSaidSo() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(5, 5, 8).withChunking(2, false))) {
      BenchResult r = new LoadGenerator(settings(s.baseUrl(), 3, null, null, LengthDistribution.fixed(8))).run();
      assertThat(r.totalOutputTokens()).isEqualTo(3 * 4);
      assertThat(r.outputTokenSource()).isEqualTo("chunks");
      assertThat(r.totalInputTokens()).isEqualTo(3 * 16); // requested lengths, no usage
      assertThat(BenchText.render(r)).contains("counted from streamed chunks");
    }
  }

  @Test
  void requestsAskForStreamingUsageIgnoreEosAndExactTokenIdPrompts() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(1, 1, -1))) {
      BenchSettings st = new BenchSettings(s.baseUrl(), "my-model", Endpoint.COMPLETIONS, 20, null, 4,
          LengthDistribution.parse("uniform:10-30"), LengthDistribution.parse("uniform:3-9"), PromptType.TOKEN_IDS, 7, 60, true);
      BenchResult r = new LoadGenerator(st).run();
      List<PlannedRequest> plan = RequestPlan.of(st);
      assertThat(s.paths).containsOnly("/v1/completions");
      long planned = 0;
      JsonNode warm = s.bodies.get(0);
      assertThat(warm.path("prompt").size()).isEqualTo(8);
      assertThat(warm.path("max_tokens").asInt()).isEqualTo(1);
      for (JsonNode b : s.bodies.subList(1, s.bodies.size())) {
        assertThat(b.path("model").asText()).isEqualTo("my-model");
        assertThat(b.path("stream").asBoolean()).isTrue();
        assertThat(b.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(b.path("ignore_eos").asBoolean()).isTrue();
        assertThat(b.path("prompt").isArray()).isTrue();
        assertThat(b.path("prompt").size()).isBetween(10, 30);
        b.path("prompt").forEach(id -> assertThat(id.asInt()).isBetween(Prompts.FIRST_ID, Prompts.END_ID - 1));
        assertThat(b.path("max_tokens").asInt()).isBetween(3, 9);
      }
      for (PlannedRequest p : plan) {
        planned += p.outputLen();
      }
      // the stand-in streams max_tokens tokens: the totals are the planned lengths exactly
      assertThat(r.totalOutputTokens()).isEqualTo(planned);
      assertThat(r.totalInputTokens()).isEqualTo(plan.stream().mapToLong(PlannedRequest::promptLen).sum());
      assertThat(r.totalInputTokens()).isEqualTo(r.requestedInputTokens());
    }
  }

  @Test
  void chatTtftIsTheFirstChunkWithTextNotTheRoleChunk() throws Exception {
    try (StandInOpenAiServer s = new StandInOpenAiServer(i -> Reply.ok(80, 5, 3))) {
      BenchSettings st = new BenchSettings(s.baseUrl(), "m", Endpoint.CHAT, 4, null, 2,
          LengthDistribution.fixed(50), LengthDistribution.fixed(3), PromptType.TEXT, 1, 60, true);
      BenchResult r = new LoadGenerator(st).run();
      assertThat(s.paths).containsOnly("/v1/chat/completions");
      assertThat(s.bodies.get(1).path("messages").get(0).path("content").asText().split(" ")).hasSize(50);
      assertThat(r.completed()).isEqualTo(4);
      assertThat(r.ttft().p50Ms()).isGreaterThanOrEqualTo(79.0);
      assertThat(r.totalOutputTokens()).isEqualTo(12);
      assertThat(r.totalInputTokens()).isEqualTo(4 * 60); // the stand-in's "chat template": +10
    }
  }
}
