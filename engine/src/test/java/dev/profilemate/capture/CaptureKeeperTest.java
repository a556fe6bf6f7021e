package dev.profilemate.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.TestPaths;
import dev.profilemate.export.SessionExporter;
import dev.profilemate.spool.RecordSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keeper on the rotated fixture session (segments of two processes, times 0–0.063 s): each
 * window's segments are hard-linked, the earlier ones stated as left out, the capture exports on
 * its own, and the bound removes the oldest finished capture, saying so.
 */
class CaptureKeeperTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Far past every window: each capture is over at its first pass. */
  private static final long LATER = Long.MAX_VALUE / 2;

  private static Path session(Path tmp) throws IOException {
    Path raw = Files.createDirectories(tmp.resolve("session_x/raw"));
    try (Stream<Path> s = Files.list(TestPaths.spoolFixtures().resolve("session_rotated/raw"))) {
      for (Path f : s.toList()) {
        Files.copy(f, raw.resolve(f.getFileName()));
      }
    }
    Path session = raw.getParent();
    Files.writeString(session.resolve("capture_windows.csv"), """
        capture_id,rule,fired_sec,window_start_sec,window_end_sec,value,threshold,unit
        kv_usage-0.010,kv_usage,0.010000,0.000000,0.020000,97.000,95.000,%
        kv_usage-0.050,kv_usage,0.050000,0.045000,0.060000,96.000,95.000,%
        preemption_burst-0.065,preemption_burst,0.065000,0.062000,0.070000,10.000,10.000,preemptions
        """);
    return session;
  }

  @Test
  void aWindowsSegmentsAreLinkedTheEarlierOnesStatedAndTheCaptureExportsAlone(@TempDir Path tmp) throws IOException {
    Path session = session(tmp);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (CaptureKeeper k = new CaptureKeeper(session, new CaptureKeeper.Limits(20, 1 << 30), null,
        new PrintStream(err, true, StandardCharsets.UTF_8), () -> LATER)) {
      k.afterRefresh(false);
    }
    Path capture = session.resolve("captures/kv_usage-0.050");
    // 0.045–0.060 s: engine_core's segments from 1 (0.012–0.050) on, and the worker's from 1 (0.031–0.051) on
    // (its segment 2 holds state records of earlier times, its segment 3 runs to 0.069)
    assertThat(files(capture.resolve("raw"))).containsExactly("engine_core-301.1.pmspool", "engine_core-301.2.pmspool",
        "segments.jsonl", "worker-302.1.pmspool", "worker-302.2.pmspool", "worker-302.3.pmspool");
    for (String f : List.of("engine_core-301.1.pmspool", "worker-302.1.pmspool")) {
      assertThat(Files.getAttribute(capture.resolve("raw").resolve(f), "unix:ino"))
          .as(f + " is the same file as raw/'s").isEqualTo(Files.getAttribute(session.resolve("raw").resolve(f), "unix:ino"));
    }
    assertThat(Files.readAllLines(capture.resolve("raw/segments.jsonl")))
        .allMatch(l -> l.contains("\"outside_capture\"")).hasSize(2)
        .anyMatch(l -> l.contains("engine_core-301.0.pmspool")).anyMatch(l -> l.contains("worker-302.0.pmspool"));
    JsonNode d = JSON.readTree(capture.resolve("capture.json").toFile());
    assertThat(d.path("complete").asBoolean()).isTrue();
    assertThat(d.path("firings").get(0).path("rule").asText()).isEqualTo("kv_usage");
    // the budget deletes raw/'s names: the capture still reads whole, nothing stated as lost
    Files.delete(session.resolve("raw/engine_core-301.1.pmspool"));
    Files.delete(session.resolve("raw/worker-302.1.pmspool"));
    SessionExporter.Result r = new SessionExporter(RecordSchema.bundled(), true).export(capture, tmp.resolve("out"));
    assertThat(r.partial()).isFalse();
    assertThat(r.warnings()).isEmpty();
    // the five segments' records (segments.jsonl counts them), and the state copies the first of each process
    // carries (its metadata's "carried": engine_core 1, the worker 1), read since the segment before is left out
    assertThat(r.records()).isEqualTo(12 + 7 + 21 + 9 + 7 + 1 + 1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("collect: capture kv_usage-0.050: kv_usage fired at 0.1 s")
        .contains("collect: capture kv_usage-0.050 complete: 5 segments");
  }

  @Test
  void aSpoolThatNeverRotatedIsLinkedWhole(@TempDir Path tmp) throws IOException {
    Path raw = Files.createDirectories(tmp.resolve("session_x/raw"));
    try (Stream<Path> s = Files.list(TestPaths.spoolFixtures().resolve("session_golden/raw"))) {
      for (Path f : s.toList()) {
        Files.copy(f, raw.resolve(f.getFileName()));
      }
    }
    Path session = raw.getParent();
    Files.writeString(session.resolve("capture_windows.csv"), """
        capture_id,rule,fired_sec,window_start_sec,window_end_sec,value,threshold,unit
        kv_usage-0.040,kv_usage,0.040000,0.000000,30.000000,100.000,95.000,%
        """);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (CaptureKeeper k = new CaptureKeeper(session, new CaptureKeeper.Limits(20, 1 << 30), null,
        new PrintStream(err, true, StandardCharsets.UTF_8), () -> LATER)) {
      k.afterRefresh(false);
      k.afterRefresh(true);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("will retry");
    assertThat(files(session.resolve("captures/kv_usage-0.040/raw")))
        .containsExactly("engine_core-301.pmspool", "segments.jsonl", "worker-302.pmspool");
    SessionExporter.Result r = new SessionExporter(RecordSchema.bundled(), true)
        .export(session.resolve("captures/kv_usage-0.040"), tmp.resolve("out"));
    assertThat(r.partial()).isFalse();
  }

  @Test
  void theOldestFinishedCaptureGoesFirstAndTheRemovalIsSaid(@TempDir Path tmp) throws IOException {
    Path session = session(tmp);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (CaptureKeeper k = new CaptureKeeper(session, new CaptureKeeper.Limits(2, 1 << 30), null,
        new PrintStream(err, true, StandardCharsets.UTF_8), () -> LATER)) {
      k.afterRefresh(false);
      k.afterRefresh(false); // a second pass keeps what it kept: the removed window is not kept again
    }
    try (CaptureKeeper k = new CaptureKeeper(session, new CaptureKeeper.Limits(2, 1 << 30), null,
        new PrintStream(err, true, StandardCharsets.UTF_8), () -> LATER)) {
      k.afterRefresh(false); // nor by a collector started again (captures.jsonl says it went)
    }
    assertThat(files(session.resolve("captures"))).containsExactly("captures.jsonl", "kv_usage-0.050",
        "preemption_burst-0.065");
    assertThat(err.toString(StandardCharsets.UTF_8)).containsOnlyOnce("collect: capture kv_usage-0.010 removed")
        .contains("captures/ over 2 captures or 1024 MiB");
    assertThat(Files.readAllLines(session.resolve("captures/captures.jsonl")))
        .filteredOn(l -> l.contains("\"removed\"")).singleElement().asString().contains("kv_usage-0.010");
    // the raw/ files a removed capture linked are untouched
    assertThat(Files.exists(session.resolve("raw/engine_core-301.0.pmspool"), LinkOption.NOFOLLOW_LINKS)).isTrue();
  }

  @Test
  void aCaptureIdThatIsAPathIsRefusedNotFollowed(@TempDir Path tmp) throws IOException {
    Path session = session(tmp);
    Files.writeString(session.resolve("capture_windows.csv"), """
        capture_id,rule,fired_sec,window_start_sec,window_end_sec,value,threshold,unit
        ../../evil-0.010,kv_usage,0.010000,0.000000,0.020000,97.000,95.000,%
        """);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (CaptureKeeper k = new CaptureKeeper(session, new CaptureKeeper.Limits(2, 1 << 30), null,
        new PrintStream(err, true, StandardCharsets.UTF_8), () -> LATER)) {
      k.afterRefresh(false);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("capture_id '../../evil-0.010' is not <rule>-<seconds>");
    assertThat(Files.exists(tmp.resolve("evil-0.010"))).isFalse();
    assertThat(Files.exists(session.resolve("captures"))).isFalse();
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
