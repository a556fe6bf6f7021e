package dev.profilemate.otlp;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.TestPaths;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real OpenTelemetry Collector (scripts/otelcol: OTLP receiver + file exporter) as a child
 * process, writing what it receives to a JSON-lines file, and the spans and metric points read
 * back from that file. The binary is built by scripts/install_otelcol.sh (Go modules, once): the
 * test runs it when -Dprofilemate.otelcol does not name the binary. Without Go the tests are
 * skipped, except in CI (CI=true), where that is a failure.
 */
final class OtelCollector implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final Path out;
  private final Path log;
  final String endpoint;

  private OtelCollector(Process process, Path out, Path log, int port) {
    this.process = process;
    this.out = out;
    this.log = log;
    this.endpoint = "http://127.0.0.1:" + port;
  }

  static Path binary() throws IOException, InterruptedException {
    String named = System.getProperty("profilemate.otelcol", "");
    if (!named.isEmpty()) {
      return Path.of(named);
    }
    Path script = TestPaths.repoRoot().resolve("scripts/install_otelcol.sh");
    Process p = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String path = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.waitFor() != 0 || path.isEmpty()) {
      if ("true".equals(System.getenv("CI"))) {
        fail("scripts/install_otelcol.sh failed in CI: the OTLP tests need the real Collector");
      }
      assumeTrue(false, "no OpenTelemetry Collector (scripts/install_otelcol.sh needs Go 1.26)");
    }
    return Path.of(path);
  }

  static OtelCollector start(Path dir) throws IOException, InterruptedException {
    Path bin = binary();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path out = dir.resolve("otlp.jsonl");
    Path config = dir.resolve("otelcol.yaml");
    Files.writeString(config, """
        receivers:
          otlp:
            protocols:
              http:
                endpoint: 127.0.0.1:%d
        exporters:
          file:
            path: %s
            flush_interval: 100ms
        service:
          telemetry:
            metrics:
              level: none
          pipelines:
            traces:
              receivers: [otlp]
              exporters: [file]
            metrics:
              receivers: [otlp]
              exporters: [file]
        """.formatted(port, out));
    Path log = dir.resolve("otelcol.log");
    Process p = new ProcessBuilder(bin.toString(), "--config=file:" + config).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    OtelCollector c = new OtelCollector(p, out, log, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return c;
      } catch (IOException notYet) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          c.close();
          fail("the Collector did not start listening on " + port + ": " + Files.readString(log));
        }
        Thread.sleep(50);
      }
    }
  }

  /** Every span received so far. */
  List<JsonNode> spans() throws IOException {
    List<JsonNode> spans = new ArrayList<>();
    for (JsonNode line : lines()) {
      for (JsonNode rs : line.path("resourceSpans")) {
        for (JsonNode ss : rs.path("scopeSpans")) {
          ss.path("spans").forEach(spans::add);
        }
      }
    }
    return spans;
  }

  /** Every metric received so far (one node per metric per export). */
  List<JsonNode> metrics() throws IOException {
    List<JsonNode> metrics = new ArrayList<>();
    for (JsonNode line : lines()) {
      for (JsonNode rm : line.path("resourceMetrics")) {
        for (JsonNode sm : rm.path("scopeMetrics")) {
          sm.path("metrics").forEach(metrics::add);
        }
      }
    }
    return metrics;
  }

  /** The spans received so far from the sender of one session (resource attribute profilemate.session). */
  List<JsonNode> spans(String session) throws IOException {
    return of(session, "resourceSpans", "scopeSpans", "spans");
  }

  /** The metrics received so far from the sender of one session. */
  List<JsonNode> metrics(String session) throws IOException {
    return of(session, "resourceMetrics", "scopeMetrics", "metrics");
  }

  private List<JsonNode> of(String session, String resources, String scopes, String items) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode line : lines()) {
      for (JsonNode r : line.path(resources)) {
        if (session.equals(attr(r.path("resource"), "profilemate.session"))) {
          for (JsonNode s : r.path(scopes)) {
            s.path(items).forEach(out::add);
          }
        }
      }
    }
    return out;
  }

  /** The first resource attributes of a span export. */
  JsonNode spanResource() throws IOException {
    for (JsonNode line : lines()) {
      for (JsonNode rs : line.path("resourceSpans")) {
        return rs.path("resource");
      }
    }
    return JSON.createObjectNode();
  }

  /** Waits (the file exporter flushes every 100 ms) until what was received satisfies done. */
  void await(Predicate<OtelCollector> done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.test(this)) {
      if (System.nanoTime() > deadline) {
        fail("the Collector's file did not get what was sent in 30 s; its log: " + readLog());
      }
      Thread.sleep(50);
    }
  }

  private String readLog() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private List<JsonNode> lines() throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    if (!Files.exists(out)) {
      return nodes;
    }
    for (String line : Files.readAllLines(out)) {
      if (!line.isBlank()) {
        try {
          nodes.add(JSON.readTree(line));
        } catch (IOException torn) {
          break; // the last line may be half written: read again later
        }
      }
    }
    return nodes;
  }

  /** An attribute of a span, event or data point, as text (OTLP JSON: ints are strings). */
  static String attr(JsonNode node, String key) {
    for (JsonNode a : node.path("attributes")) {
      if (a.path("key").asText().equals(key)) {
        JsonNode v = a.path("value");
        return v.properties().iterator().next().getValue().asText();
      }
    }
    return null;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
