package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** collect --metrics-port: faults cost only /metrics, and a scrape never mixes two refreshes. */
class CollectMetricsTest {
  private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(\\{[^}]*\\})? (\\S+)$");

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Path copyOf(String fixture, Path to) throws IOException {
    Path raw = Files.createDirectories(to.resolve("raw"));
    try (Stream<Path> s = Files.list(TestPaths.spoolFixtures().resolve(fixture).resolve("raw"))) {
      for (Path p : s.toList()) {
        Files.copy(p, raw.resolve(p.getFileName()));
      }
    }
    return to;
  }

  @Test
  void aPortInUseIsOneLineAndTheSessionFilesAreStillWritten(@TempDir Path tmp) throws IOException {
    Path session = copyOf("session_golden", tmp.resolve("session_x"));
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Run r = Run.of("collect", session.toString(), "--metrics-port", Integer.toString(taken.getLocalPort()),
          "--interval", "0.05", "--trigger", "off");
      assertThat(r.code()).isEqualTo(ExitCodes.OK);
      assertThat(r.err().lines().toList()).singleElement().asString()
          .startsWith("collect: cannot serve /metrics on 127.0.0.1:" + taken.getLocalPort())
          .endsWith("profiling goes on without /metrics");
    }
    assertThat(session.resolve("batch_utilization.csv")).exists();
    assertThat(session.resolve("metadata.json")).exists();
  }

  @Test
  void aBadPortIsAUsageError(@TempDir Path tmp) {
    assertThat(Run.of("collect", tmp.toString(), "--metrics-port", "70000").code()).isEqualTo(ExitCodes.BAD_ARGUMENTS);
  }

  /**
   * Segments arrive one by one while collect refreshes every 50 ms and a client scrapes as fast as
   * it can: within every scrape, the series that come from the same steps agree (tokens counted
   * per step = tokens counted per kind; steps counted = steps binned), so no scrape mixed two
   * refreshes; and the final scrape holds the whole session.
   */
  @Test
  void everyScrapeDuringRotationIsOneRefreshs(@TempDir Path tmp) throws Exception {
    Path src = TestPaths.spoolFixtures().resolve("session_rotated/raw");
    Path session = tmp.resolve("session_r");
    Path raw = Files.createDirectories(session.resolve("raw"));
    int port = freePort();
    CompletableFuture<Integer> collect = CompletableFuture.supplyAsync(() -> Main.run("collect", session.toString(),
        "--pid", Long.toString(ProcessHandle.current().pid()), "--max-wait", "4", "--interval", "0.05",
        "--metrics-port", Integer.toString(port), "--metrics-linger", "3"));
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
    List<String> order = List.of("engine_core-301.0.pmspool", "worker-302.0.pmspool", "engine_core-301.1.pmspool",
        "worker-302.1.pmspool", "worker-302.2.pmspool", "segments.jsonl");
    int scrapes = 0;
    List<Double> stepsSeen = new ArrayList<>();
    for (String f : order) {
      Files.copy(src.resolve(f), raw.resolve(f));
      long until = System.nanoTime() + 400_000_000L;
      while (System.nanoTime() < until) {
        Map<String, Double> m;
        try {
          m = scrape(http, get);
        } catch (IOException notYet) {
          Thread.sleep(20);
          continue;
        }
        scrapes++;
        if (m.containsKey("profilemate_steps_total")) {
          assertThat(m.get("profilemate_step_tokens_sum")).isEqualTo(m.get("profilemate_scheduled_tokens_total"));
          assertThat(m.get("profilemate_steps_total") - m.getOrDefault("profilemate_steps_total{idle}", 0.0))
              .isEqualTo(m.get("profilemate_step_tokens_count"));
          stepsSeen.add(m.get("profilemate_steps_total"));
        }
      }
    }
    assertThat(scrapes).isGreaterThan(10);
    assertThat(stepsSeen).isSortedAccordingTo(Double::compare); // counters never go back
    // the final export is served (finished = 1) while collect lingers
    Map<String, Double> last = Map.of();
    for (int i = 0; i < 200 && last.getOrDefault("profilemate_session_finished", 0.0) < 1; i++) {
      Thread.sleep(50);
      last = scrape(http, get);
    }
    assertThat(last).containsEntry("profilemate_session_finished", 1.0);
    long rows = Files.readAllLines(session.resolve("batch_utilization.csv")).size() - 1;
    assertThat(last.get("profilemate_steps_total")).isEqualTo((double) rows);
    assertThat(collect.get()).isEqualTo(ExitCodes.OK);
  }

  /** Sums of each sample name over its label sets; idle steps also apart as NAME{idle}. */
  private static Map<String, Double> scrape(HttpClient http, HttpRequest get) throws IOException, InterruptedException {
    String body = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> out = new HashMap<>();
    for (String line : body.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      out.merge(m.group(1), Double.parseDouble(m.group(3)), Double::sum);
      if (m.group(2) != null && m.group(2).contains("phase=\"idle\"")) {
        out.merge(m.group(1) + "{idle}", Double.parseDouble(m.group(3)), Double::sum);
      }
    }
    return out;
  }
}
