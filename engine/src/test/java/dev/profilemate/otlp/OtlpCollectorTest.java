package dev.profilemate.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.TestPaths;
import dev.profilemate.cli.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `export --otlp` and `collect --otlp` against a real OpenTelemetry Collector (built from its Go
 * modules, writing what it receives to a file): every finished request arrives as one root span with
 * its queue, prefill-chunk and decode children and its preemptions as events, in the caller's trace
 * when it came with a traceparent; the step metrics arrive with the session's values. Expected
 * values are read from the session files the same export wrote (request_lifecycle.csv,
 * batch_utilization.csv, kv_cache_usage.csv, preemption_events.csv), not from the spans' own code.
 * The session is spool-format/fixtures/session_traced (make_fixtures.py, the probe's own writer).
 */
class OtlpCollectorTest {
  /** The fixture's traceparents (make_fixtures.py TRACE_A, TRACE_C): the input, not a result. */
  static final String TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String PARENT_A = "00f067aa0ba902b7";
  static final String TRACE_C = "0af7651916cd43dd8448eb211c80319c";
  static final String PARENT_C = "b7ad6b7169203331";

  @TempDir Path tmp;
  Path session;

  @BeforeEach
  void copySession() throws IOException {
    session = tmp.resolve("session_traced");
    Path from = TestPaths.spoolFixtures().resolve("session_traced");
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path to = session.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
  }

  @Test
  void exportSendsEveryFinishedRequestAsSpansAndTheStepMetrics() throws Exception {
    try (OtelCollector c = OtelCollector.start(Files.createDirectories(tmp.resolve("collector")))) {
      Run r = Run.of("export", session.toString(), "--otlp", c.endpoint);
      assertThat(r.code()).as(r.err()).isZero();
      List<Map<String, String>> lifecycle = csv("request_lifecycle.csv");
      int expectedSpans = expectedSpans(lifecycle);
      assertThat(r.out()).contains("otlp: sent " + lifecycle.size() + " requests (" + expectedSpans + " spans) and "
          + csv("batch_utilization.csv").size() + " steps of session_traced to " + c.endpoint);
      c.await(x -> count(x) >= expectedSpans && has(x, "profilemate_steps_total"));
      assertThat(c.spans()).hasSize(expectedSpans);
      assertSpans(c.spans(), lifecycle);
      assertMetrics(c.metrics());
      assertThat(OtelCollector.attr(c.spanResource(), "service.name")).isEqualTo("profilemate");
      assertThat(OtelCollector.attr(c.spanResource(), "profilemate.session")).isEqualTo("session_traced");
      OtlpGolden.check(c.spans(), c.metrics(), startWallNs(), Path.of("src/test/resources/golden/otlp/session_traced.json"));
    }
  }

  @Test
  void collectSendsEachRequestOnceAcrossRestarts() throws Exception {
    try (OtelCollector c = OtelCollector.start(Files.createDirectories(tmp.resolve("collector")))) {
      // no vLLM process is alive: each collect refreshes, sends and finalises in one go
      Run first = Run.of("collect", session.toString(), "--otlp", c.endpoint, "--max-wait", "1");
      assertThat(first.code()).as(first.err()).isZero();
      int expectedSpans = expectedSpans(csv("request_lifecycle.csv"));
      c.await(x -> count(x) >= expectedSpans && has(x, "profilemate_steps_total"));
      JsonNode state = new ObjectMapper().readTree(session.resolve("otlp_sent.json").toFile());
      assertThat(state.path("endpoint").asText()).isEqualTo(c.endpoint);
      assertThat(state.path("requests").path("401").asLong()).isPositive();

      // a restarted collect of the same session to the same endpoint sends nothing again
      Run second = Run.of("collect", session.toString(), "--otlp", c.endpoint, "--max-wait", "1");
      assertThat(second.code()).as(second.err()).isZero();
      Run probe = Run.of("export", session.toString(), "--otlp", c.endpoint, "--quiet"); // a marker after it
      assertThat(probe.code()).as(probe.err()).isZero();
      c.await(x -> count(x) >= 2 * expectedSpans);
      Map<String, Long> roots = c.spans().stream().filter(s -> s.path("name").asText().equals(OtlpSender.ROOT))
          .collect(Collectors.groupingBy(s -> OtelCollector.attr(s, "gen_ai.request.id"), Collectors.counting()));
      // once from the first collect, once from the export: the second collect added none
      assertThat(roots).containsOnly(Map.entry("req-a", 2L), Map.entry("req-b", 2L), Map.entry("req-c", 2L));
      assertThat(c.spans()).hasSize(2 * expectedSpans);
    }
  }

  @Test
  void aCallersUnsampledTraceSendsNoSpans() throws Exception {
    try (OtelCollector c = OtelCollector.start(Files.createDirectories(tmp.resolve("collector")))) {
      RequestSpan sampled = request("req-s", new RequestSpan.TraceContext(TRACE_A, PARENT_A, 1));
      RequestSpan unsampled = request("req-u", new RequestSpan.TraceContext(TRACE_C, PARENT_C, 0));
      OtlpBatch batch = new OtlpBatch("s", 0, 1_000_000_000_000L, List.of(sampled, unsampled), List.of(),
          OtlpBatch.Watermarks.NONE);
      try (OtlpSender sender = new OtlpSender(OtlpEndpoint.parse(c.endpoint), "s")) {
        OtlpSender.Sent sent = sender.send(batch);
        assertThat(sent.failure()).isNull();
        assertThat(sent.spans()).isEqualTo(3); // root, queue, decode of req-s
      }
      c.await(x -> count(x) >= 3 && has(x, "profilemate_requests_finished_total"));
      assertThat(c.spans()).extracting(s -> s.path("traceId").asText()).containsOnly(TRACE_A);
      // metrics count every finished request, sampled or not
      assertThat(c.metrics().stream().filter(m -> m.path("name").asText().equals("profilemate_requests_finished_total"))
          .findFirst().orElseThrow().path("sum").path("dataPoints").get(0).path("asInt").asText()).isEqualTo("2");
    }
  }

  private static RequestSpan request(String id, RequestSpan.TraceContext trace) {
    return new RequestSpan(id, 1, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 8, 2, "stop", List.of(), List.of(), trace);
  }

  @Test
  void aRefusedSendIsOneLineAndExit1() {
    // nothing listens on port 9 of the loopback (discard, never served here)
    Run r = Run.of("export", session.toString(), "--otlp", "http://127.0.0.1:9");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("otlp: http://127.0.0.1:9/v1/traces did not take");
  }

  @Test
  void aMalformedEndpointIsABadArgument() {
    Run r = Run.of("export", session.toString(), "--otlp", "127.0.0.1:4318");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--otlp").contains("not an http:// or https:// URL");
  }

  private int expectedSpans(List<Map<String, String>> lifecycle) throws IOException {
    return expectedSpans(lifecycle, session);
  }

  /** The spans an export of session (its files written) sends. */
  static int expectedSpanCount(Path session) throws IOException {
    return expectedSpans(csv(session, "request_lifecycle.csv"), session);
  }

  /** Per request: the root, queue (when arrival was seen), one per prefill chunk, decode (after a first token). */
  private static int expectedSpans(List<Map<String, String>> lifecycle, Path session) throws IOException {
    int n = 0;
    for (Map<String, String> l : lifecycle) {
      n += 1 + (l.get("arrival_sec").isEmpty() ? 0 : 1) + (l.get("first_token_sec").isEmpty() ? 0 : 1);
    }
    // chunks: one per request per step with prefill work; the fixture's prefill steps hold these
    return n + chunkCount(session);
  }

  /** How many prefill_chunk records the session holds (their values are checked against batch_utilization.csv in assertSpans). */
  private static int chunkCount(Path session) throws IOException {
    try (var reader = dev.profilemate.session.SessionReader.open(session, dev.profilemate.spool.RecordSchema.bundled())) {
      int n = 0;
      var it = reader.merged();
      while (it.hasNext()) {
        n += it.next().name().equals("prefill_chunk") ? 1 : 0;
      }
      return n;
    }
  }

  private void assertSpans(List<JsonNode> spans, List<Map<String, String>> lifecycle) throws IOException {
    long startWall = startWallNs();
    Map<String, JsonNode> roots = new HashMap<>();
    for (JsonNode s : spans) {
      if (s.path("name").asText().equals(OtlpSender.ROOT)) {
        roots.put(OtelCollector.attr(s, "gen_ai.request.id"), s);
      }
    }
    assertThat(roots.keySet()).containsExactlyInAnyOrderElementsOf(
        lifecycle.stream().map(l -> l.get("request_id")).toList());
    for (Map<String, String> l : lifecycle) {
      String id = l.get("request_id");
      JsonNode root = roots.get(id);
      assertTime(root, "startTimeUnixNano", startWall, l.get("arrival_sec"));
      assertTime(root, "endTimeUnixNano", startWall, l.get("finished_sec"));
      assertThat(OtelCollector.attr(root, "gen_ai.usage.prompt_tokens")).isEqualTo(l.get("num_prompt_tokens"));
      assertThat(OtelCollector.attr(root, "gen_ai.usage.completion_tokens")).isEqualTo(l.get("num_output_tokens"));
      assertThat(OtelCollector.attr(root, "profilemate.finish_reason")).isEqualTo(l.get("finish_reason"));
      assertThat(OtelCollector.attr(root, "profilemate.preemptions")).isEqualTo(l.get("num_preemptions"));
      assertThat(OtelCollector.attr(root, "process.pid")).isEqualTo("401");
      List<JsonNode> children = spans.stream()
          .filter(s -> s.path("parentSpanId").asText().equals(root.path("spanId").asText())).toList();
      assertThat(children).allSatisfy(s -> assertThat(s.path("traceId").asText()).isEqualTo(root.path("traceId").asText()));
      JsonNode queue = only(children, "queue");
      assertTime(queue, "startTimeUnixNano", startWall, l.get("arrival_sec"));
      assertTime(queue, "endTimeUnixNano", startWall, l.get("started_sec"));
      JsonNode decode = only(children, "decode");
      assertTime(decode, "startTimeUnixNano", startWall, l.get("first_token_sec"));
      assertTime(decode, "endTimeUnixNano", startWall, l.get("finished_sec"));
      List<JsonNode> chunks = children.stream().filter(s -> s.path("name").asText().equals("prefill_chunk")).toList();
      assertThat(chunks).isNotEmpty();
      // preemptions and resumes: span events at the times and with the values of preemption_events.csv
      List<Map<String, String>> events = csv("preemption_events.csv").stream()
          .filter(e -> e.get("request_id").equals(id)).toList();
      JsonNode spanEvents = root.path("events");
      assertThat(spanEvents).hasSize(events.size());
      for (int i = 0; i < events.size(); i++) {
        Map<String, String> e = events.get(i);
        JsonNode ev = spanEvents.get(i);
        assertThat(ev.path("name").asText()).isEqualTo(e.get("event"));
        assertTime(ev, "timeUnixNano", startWall, e.get("timestamp_sec"));
        if (e.get("event").equals("preempted")) {
          assertThat(OtelCollector.attr(ev, "profilemate.reason")).isEqualTo(e.get("reason"));
          assertThat("num_computed_tokens=" + OtelCollector.attr(ev, "profilemate.num_computed_tokens"))
              .isEqualTo(e.get("extra_info"));
        } else {
          assertThat(Double.parseDouble(OtelCollector.attr(ev, "profilemate.waited_sec")))
              .isCloseTo(Double.parseDouble(e.get("extra_info").substring("waited_sec=".length())), within(1e-6));
        }
      }
      // a chunk after a preemption is a recomputation
      double lastPreempted = l.get("last_preempted_sec").isEmpty() ? Double.MAX_VALUE
          : Double.parseDouble(l.get("last_preempted_sec"));
      for (JsonNode ch : chunks) {
        boolean after = (Long.parseLong(ch.path("startTimeUnixNano").asText()) - startWall) / 1e9 > lastPreempted;
        assertThat(OtelCollector.attr(ch, "profilemate.recompute")).isEqualTo(Boolean.toString(after));
      }
    }
    // the caller's trace: a request with a traceparent is a child of the caller's span, in its trace
    assertThat(roots.get("req-a").path("traceId").asText()).isEqualTo(TRACE_A);
    assertThat(roots.get("req-a").path("parentSpanId").asText()).isEqualTo(PARENT_A);
    assertThat(roots.get("req-c").path("traceId").asText()).isEqualTo(TRACE_C);
    assertThat(roots.get("req-c").path("parentSpanId").asText()).isEqualTo(PARENT_C);
    assertThat(roots.get("req-b").path("parentSpanId").asText()).isEmpty(); // no traceparent: a trace of its own
    assertThat(roots.get("req-b").path("traceId").asText()).isNotIn(TRACE_A, TRACE_C);

    // prefill chunks: per step, their tokens add up to the step's prefill tokens, and they start at the step
    Map<String, Long> tokensByStep = new LinkedHashMap<>();
    Map<String, String> startByStep = new HashMap<>();
    for (JsonNode s : spans) {
      if (s.path("name").asText().equals("prefill_chunk")) {
        String step = OtelCollector.attr(s, "profilemate.step");
        tokensByStep.merge(step, Long.parseLong(OtelCollector.attr(s, "profilemate.num_tokens")), Long::sum);
        startByStep.put(step, s.path("startTimeUnixNano").asText());
      }
    }
    Map<String, Long> expected = new LinkedHashMap<>();
    for (Map<String, String> b : csv("batch_utilization.csv")) {
      if (Long.parseLong(b.get("num_prefill_tokens")) > 0) {
        expected.put(b.get("step"), Long.parseLong(b.get("num_prefill_tokens")));
        assertThat(Long.parseLong(startByStep.get(b.get("step"))))
            .isCloseTo(startWall + Math.round(Double.parseDouble(b.get("timestamp_sec")) * 1e9), within(1000L));
      }
    }
    assertThat(tokensByStep).isEqualTo(expected);
  }

  private void assertMetrics(List<JsonNode> metrics) throws IOException {
    Map<String, JsonNode> last = new HashMap<>();
    metrics.forEach(m -> last.put(m.path("name").asText(), m)); // cumulative: the last export holds the totals
    List<Map<String, String>> steps = csv("batch_utilization.csv");
    Map<String, Long> byPhase = steps.stream().collect(Collectors.groupingBy(s -> s.get("phase"), Collectors.counting()));
    assertThat(points(last.get("profilemate_steps_total"), "sum", "phase", "asInt")).isEqualTo(strings(byPhase));
    long prefill = steps.stream().mapToLong(s -> Long.parseLong(s.get("num_prefill_tokens"))).sum();
    long decode = steps.stream().mapToLong(s -> Long.parseLong(s.get("num_decode_tokens"))).sum();
    assertThat(points(last.get("profilemate_scheduled_tokens_total"), "sum", "kind", "asInt"))
        .isEqualTo(Map.of("prefill", Long.toString(prefill), "decode", Long.toString(decode)));
    long preempted = steps.stream().mapToLong(s -> Long.parseLong(s.get("num_preempted"))).sum();
    assertThat(last.get("profilemate_preemptions_total").path("sum").path("dataPoints").get(0).path("asInt").asText())
        .isEqualTo(Long.toString(preempted));
    Map<String, Long> reasons = csv("request_lifecycle.csv").stream()
        .collect(Collectors.groupingBy(l -> l.get("finish_reason"), Collectors.counting()));
    assertThat(points(last.get("profilemate_requests_finished_total"), "sum", "finish_reason", "asInt"))
        .isEqualTo(strings(reasons));
    // step durations: each step to the next (one scheduler here), by the earlier step's phase
    Map<String, Long> durCount = new HashMap<>();
    Map<String, Double> durSum = new HashMap<>();
    for (int i = 0; i + 1 < steps.size(); i++) {
      String phase = steps.get(i).get("phase");
      durCount.merge(phase, 1L, Long::sum);
      durSum.merge(phase, Double.parseDouble(steps.get(i + 1).get("timestamp_sec"))
          - Double.parseDouble(steps.get(i).get("timestamp_sec")), Double::sum);
    }
    assertThat(points(last.get("profilemate_step_duration_seconds"), "histogram", "phase", "count"))
        .isEqualTo(strings(durCount));
    Map<String, String> sums = points(last.get("profilemate_step_duration_seconds"), "histogram", "phase", "sum");
    assertThat(sums.keySet()).isEqualTo(durSum.keySet());
    durSum.forEach((phase, sum) -> assertThat(Double.parseDouble(sums.get(phase))).isCloseTo(sum, within(1e-5)));
    Map<String, String> tokenSums = points(last.get("profilemate_step_tokens"), "histogram", "phase", "sum");
    Map<String, Double> expectedTokens = new HashMap<>();
    steps.forEach(s -> expectedTokens.merge(s.get("phase"), Double.parseDouble(s.get("num_tokens")), Double::sum));
    assertThat(tokenSums.keySet()).isEqualTo(expectedTokens.keySet());
    expectedTokens.forEach((p, v) -> assertThat(Double.parseDouble(tokenSums.get(p))).isEqualTo(v));
    // gauges: the last step's
    List<Map<String, String>> usage = csv("kv_cache_usage.csv");
    double lastUsage = Double.parseDouble(usage.get(usage.size() - 1).get("usage_pct")) / 100;
    JsonNode kv = last.get("profilemate_kv_cache_usage_ratio").path("gauge").path("dataPoints").get(0);
    assertThat(kv.path("asDouble").asDouble()).isCloseTo(lastUsage, within(1e-4));
    Map<String, String> lastStep = steps.get(steps.size() - 1);
    assertThat(last.get("profilemate_running_requests").path("gauge").path("dataPoints").get(0).path("asInt").asText())
        .isEqualTo(lastStep.get("running_queue_len"));
    assertThat(last.get("profilemate_waiting_requests").path("gauge").path("dataPoints").get(0).path("asInt").asText())
        .isEqualTo(lastStep.get("waiting_queue_len"));
  }

  private static Map<String, String> strings(Map<String, ? extends Number> m) {
    Map<String, String> s = new HashMap<>();
    m.forEach((k, v) -> s.put(k, v.toString()));
    return s;
  }

  /** A metric's data points as attribute value → field (OTLP JSON). */
  private static Map<String, String> points(JsonNode metric, String kind, String attr, String field) {
    assertThat(metric).as("metric of kind " + kind).isNotNull();
    Map<String, String> m = new HashMap<>();
    for (JsonNode p : metric.path(kind).path("dataPoints")) {
      m.put(OtelCollector.attr(p, attr), p.path(field).asText());
    }
    return m;
  }

  private static JsonNode only(List<JsonNode> spans, String name) {
    List<JsonNode> named = spans.stream().filter(s -> s.path("name").asText().equals(name)).toList();
    assertThat(named).as(name).hasSize(1);
    return named.get(0);
  }

  /** A span time equals the session start plus the CSV's seconds (6 decimals: within 1 µs). */
  private static void assertTime(JsonNode node, String field, long startWall, String sec) {
    assertThat(Long.parseLong(node.path(field).asText()))
        .as(field).isCloseTo(startWall + Math.round(Double.parseDouble(sec) * 1e9), within(1000L));
  }

  static int count(OtelCollector c) {
    try {
      return c.spans().size();
    } catch (IOException e) {
      return 0;
    }
  }

  private static boolean has(OtelCollector c, String metric) {
    try {
      return c.metrics().stream().anyMatch(m -> m.path("name").asText().equals(metric));
    } catch (IOException e) {
      return false;
    }
  }

  private long startWallNs() throws IOException {
    String start = new ObjectMapper().readTree(session.resolve("metadata.json").toFile())
        .path("session").path("start_time").asText();
    Instant i = Instant.parse(start);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  private List<Map<String, String>> csv(String name) throws IOException {
    return csv(session, name);
  }

  /** A session CSV as rows of column → value (these files hold no quoted cells). */
  private static List<Map<String, String>> csv(Path session, String name) throws IOException {
    List<String> lines = Files.readAllLines(session.resolve(name));
    String[] header = lines.get(0).split(",", -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], cells[i]);
      }
      rows.add(row);
    }
    return rows;
  }
}
