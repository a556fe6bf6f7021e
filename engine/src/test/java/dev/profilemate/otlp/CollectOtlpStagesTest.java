package dev.profilemate.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.TestPaths;
import dev.profilemate.aggregate.CaptureSettings;
import dev.profilemate.cli.Main;
import dev.profilemate.cli.Run;
import dev.profilemate.export.LiveExport;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolChunks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * collect --otlp on a growing session, against a real OpenTelemetry Collector: the spool of
 * spool-format/fixtures/session_traced_chunked (session_traced's records, a chunk every three) is
 * appended chunk by chunk, as the probe publishes it, with a refresh after each, so requests are in
 * flight and steps unbounded across refreshes. Every span arrives exactly once, and the metrics add
 * up, to what `export --otlp` of the whole session sends (whose values OtlpCollectorTest checks
 * against the session's CSVs), both through collect itself and through collectors restarted at every
 * refresh, some of them killed between their checkpoint and their send.
 */
class CollectOtlpStagesTest {
  static final Path FIXTURE = TestPaths.spoolFixtures().resolve("session_traced_chunked/raw/engine_core-401.pmspool");

  @TempDir Path tmp;

  /** The fixture spool's whole chunks, in order: each stage appends the next one. */
  private static List<byte[]> chunks() throws IOException {
    byte[] all = Files.readAllBytes(FIXTURE);
    List<byte[]> out = new ArrayList<>();
    for (SpoolChunks.Chunk c : SpoolChunks.of(all)) {
      out.add(Arrays.copyOfRange(all, c.start(), c.end()));
    }
    assertThat(out.stream().mapToInt(b -> b.length).sum()).isEqualTo(all.length);
    return out;
  }

  /** Appends a chunk in one write, in place (as the probe does: the reader may meet it torn, never moved). */
  private static void append(Path session, byte[] chunk) throws IOException {
    Path raw = Files.createDirectories(session.resolve("raw"));
    try (OutputStream out = Files.newOutputStream(raw.resolve(FIXTURE.getFileName()), StandardOpenOption.CREATE,
        StandardOpenOption.APPEND)) {
      out.write(chunk);
    }
  }

  @Test
  void collectSendsEachSpanOnceWhileTheSessionGrows() throws Exception {
    List<byte[]> chunks = chunks();
    assertThat(chunks).hasSizeGreaterThan(5);
    Path session = tmp.resolve("session_traced_chunked");
    Path checkpoint = session.resolve(LiveExport.CHECKPOINT);
    append(session, chunks.get(0));
    // a process that stands for vLLM: collect refreshes while it lives and finalises once it is gone
    Process vllm = new ProcessBuilder("sleep", "600").start();
    try (OtelCollector c = OtelCollector.start(Files.createDirectories(tmp.resolve("collector")))) {
      // with /metrics on too: both taps ride on the same refreshes
      String port = Integer.toString(freePort());
      CompletableFuture<Integer> collect = CompletableFuture.supplyAsync(() -> Main.run("collect", session.toString(),
          "--otlp", c.endpoint, "--pid", Long.toString(vllm.pid()), "--interval", "0.05", "--max-wait", "120",
          "--metrics-port", port, "--trigger", "off"));
      for (byte[] chunk : chunks.subList(1, chunks.size())) {
        byte[] before = waitFor(checkpoint, null, collect);
        append(session, chunk);
        waitFor(checkpoint, before, collect); // a refresh went by (it may have met the chunk torn: the next one reads it)
      }
      vllm.destroy();
      assertThat(collect.get(150, TimeUnit.SECONDS)).isZero();
      assertSameAsAWholeExport(c, session);
    } finally {
      vllm.destroyForcibly();
    }
  }

  @Test
  void restartedCollectorsNeitherSendTwiceNorLose() throws Exception {
    List<byte[]> chunks = chunks();
    Path session = tmp.resolve("session_traced_chunked");
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    try (OtelCollector c = OtelCollector.start(Files.createDirectories(tmp.resolve("collector")))) {
      OtlpEndpoint endpoint = OtlpEndpoint.parse(c.endpoint);
      int sends = 0;
      for (int i = 0; i <= chunks.size(); i++) {
        boolean over = i == chunks.size();
        if (!over) {
          append(session, chunks.get(i));
        }
        // a new collector each refresh: it goes on from the checkpoint and otlp_sent.json
        try (OtlpExport.Live otlp = new OtlpExport.Live(session, endpoint)) {
          LiveExport live = new LiveExport(session, RecordSchema.bundled(), CaptureSettings.defaults(), err,
              (view, prev) -> otlp.carried(view, prev, over), "otlp to " + otlp.endpoint());
          live.refresh(over, Set.of());
          assertThat(live.tapFailed()).as(errBytes.toString(StandardCharsets.UTF_8)).isFalse();
          if (over || i % 3 != 1) {
            OtlpSender.Sent sent = otlp.afterRefresh();
            assertThat(sent.failure()).isNull();
            sends += sent.requests() + sent.steps() > 0 ? 1 : 0;
          } // else: killed after its checkpoint, before its send; the next collector sends what it found
        }
      }
      assertThat(sends).isGreaterThan(3);
      // each collector read only the new bytes: none went back to the start
      assertThat(errBytes.toString(StandardCharsets.UTF_8)).isEmpty();
      assertSameAsAWholeExport(c, session);
    }
  }

  /**
   * What the collector received so far (from collect) against what `export --otlp` of the same
   * spools then sends: the same spans, each once; the same metric totals.
   */
  private void assertSameAsAWholeExport(OtelCollector c, Path session) throws Exception {
    // the same spools under another name: the spans' resource (profilemate.session) says whose they are
    Path whole = tmp.resolve("session_whole");
    Files.createDirectories(whole.resolve("raw"));
    Files.copy(FIXTURE, whole.resolve("raw").resolve(FIXTURE.getFileName()));
    Run r = Run.of("export", whole.toString(), "--otlp", c.endpoint, "--quiet");
    assertThat(r.code()).as(r.err()).isZero();
    int expected = OtlpCollectorTest.expectedSpanCount(whole);
    String name = session.getFileName().toString();
    // the export's metrics come after all of collect's through the Collector's pipeline: once they are written, so are collect's
    c.await(x -> size(() -> x.spans("session_whole")) >= expected && size(() -> x.metrics("session_whole")) > 0
        && size(() -> x.spans(name)) >= expected);
    Map<String, Long> fromCollect = keys(c.spans(name));
    assertThat(fromCollect.values()).allMatch(n -> n == 1); // each span once
    assertThat(fromCollect.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expected);
    assertThat(fromCollect).isEqualTo(keys(c.spans("session_whole")));
    Map<String, double[]> collected = totals(c.metrics(name));
    Map<String, double[]> exported = totals(c.metrics("session_whole"));
    assertThat(collected.keySet()).isEqualTo(exported.keySet()).contains("sum profilemate_steps_total phase=stringValue:idle");
    exported.forEach((k, v) -> {
      double[] got = collected.get(k);
      assertThat(got).as(k).hasSameSizeAs(v);
      for (int i = 0; i < v.length; i++) {
        assertThat(got[i]).as(k + " [" + i + "]").isCloseTo(v[i], within(1e-9));
      }
    });
  }

  private interface Read {
    List<JsonNode> get() throws IOException;
  }

  private static int size(Read read) {
    try {
      return read.get().size();
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Spans as what they say (name, times, attributes, events, and their parent's name and start),
   * counted: ids are random, so two sends of the same request match on everything else.
   */
  private static Map<String, Long> keys(List<JsonNode> spans) {
    Map<String, JsonNode> byId = new HashMap<>();
    spans.forEach(s -> byId.put(s.path("spanId").asText(), s));
    Function<JsonNode, String> key = s -> {
      JsonNode parent = byId.get(s.path("parentSpanId").asText());
      return s.path("name").asText() + " " + s.path("startTimeUnixNano").asText() + "-"
          + s.path("endTimeUnixNano").asText() + " " + attrs(s) + " events=" + events(s)
          + (parent == null ? " parent=" + s.path("parentSpanId").asText()
              : " parent=" + parent.path("name").asText() + "@" + parent.path("startTimeUnixNano").asText());
    };
    return spans.stream().collect(Collectors.groupingBy(key, TreeMap::new, Collectors.counting()));
  }

  private static String events(JsonNode span) {
    List<String> out = new ArrayList<>();
    span.path("events").forEach(e -> out.add(e.path("name").asText() + "@" + e.path("timeUnixNano").asText() + attrs(e)));
    return out.toString();
  }

  private static String attrs(JsonNode node) {
    Map<String, String> m = new TreeMap<>();
    node.path("attributes").forEach(a -> m.put(a.path("key").asText(), a.path("value").toString()));
    return m.toString();
  }

  /**
   * Per metric and attribute set, the session's totals: a cumulative sum or histogram counts from
   * its sender's start (a restarted collector's sender starts again), so the last point of each
   * start is added up; a gauge is its latest point.
   */
  private static Map<String, double[]> totals(List<JsonNode> metrics) {
    Map<String, Map<String, JsonNode>> lastPerStart = new TreeMap<>();
    Map<String, JsonNode> gauges = new TreeMap<>();
    for (JsonNode m : metrics) {
      for (String kind : List.of("sum", "histogram", "gauge")) {
        for (JsonNode p : m.path(kind).path("dataPoints")) {
          String key = kind + " " + m.path("name").asText() + (attrs(p).equals("{}") ? "" : " " + attrs(p)
              .replaceAll("[{}\"]|\\w+Value:", "").replace(", ", ","));
          if (kind.equals("gauge")) {
            gauges.merge(key, p, (x, y) -> time(y) >= time(x) ? y : x);
          } else {
            lastPerStart.computeIfAbsent(key, k -> new HashMap<>())
                .merge(p.path("startTimeUnixNano").asText(), p, (x, y) -> time(y) >= time(x) ? y : x);
          }
        }
      }
    }
    Map<String, double[]> out = new TreeMap<>();
    lastPerStart.forEach((key, starts) -> {
      double[] sum = null;
      for (JsonNode p : starts.values()) {
        double[] v = values(p);
        if (sum == null) {
          sum = v;
        } else {
          for (int i = 0; i < v.length; i++) {
            sum[i] += v[i];
          }
        }
      }
      out.put(key, sum);
    });
    gauges.forEach((key, p) -> out.put(key, values(p)));
    return out;
  }

  private static long time(JsonNode p) {
    return Long.parseLong(p.path("timeUnixNano").asText());
  }

  /** A point's numbers: its value, or a histogram's count, sum and bucket counts. */
  private static double[] values(JsonNode p) {
    if (p.has("bucketCounts")) {
      List<Double> v = new ArrayList<>(List.of(p.path("count").asDouble(), p.path("sum").asDouble()));
      p.path("bucketCounts").forEach(b -> v.add(b.asDouble()));
      return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
    return new double[] {p.has("asInt") ? p.path("asInt").asDouble() : p.path("asDouble").asDouble()};
  }

  /** Waits until the file's bytes differ from before (null: until it exists); returns them. */
  private static byte[] waitFor(Path file, byte[] before, CompletableFuture<Integer> collect) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      byte[] now = Files.exists(file) ? Files.readAllBytes(file) : null;
      if (now != null && (before == null || !Arrays.equals(now, before))) {
        return now;
      }
      assertThat(collect).as("collect ended early").isNotDone();
      assertThat(System.nanoTime()).as("no refresh within 60 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
