package dev.profilemate.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.TestPaths;
import dev.profilemate.session.SegmentCatalog;
import dev.profilemate.session.SessionReader;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spool segments (minor 6) and the disk budget: a rotated process reads as one stream, and every
 * segment the budget deleted is named in metadata.json, never lost silently. The fixtures are the
 * golden session's records written by the probe's own writer in ~1.5 kB segments (make_fixtures.py).
 */
class SegmentedSessionTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fixture's spools under tmp/session_golden/raw: metadata.json names the session by its folder. */
  private static Path copyAsGolden(String fixture, Path tmp) throws IOException {
    Path raw = Files.createDirectories(tmp.resolve("session_golden/raw"));
    try (Stream<Path> s = Files.list(TestPaths.spoolFixtures().resolve(fixture).resolve("raw"))) {
      for (Path f : s.toList()) {
        Files.copy(f, raw.resolve(f.getFileName()));
      }
    }
    return raw.getParent();
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(dir::relativize).sorted().toList();
    }
  }

  @Test
  void rotatedSegmentsExportToTheBytesOfOneFile(@TempDir Path tmp) throws IOException {
    Path rotated = copyAsGolden("session_rotated", tmp.resolve("rotated"));
    Path one = tmp.resolve("one");
    Path segs = tmp.resolve("segs");
    new SessionExporter(SCHEMA).export(TestPaths.spoolFixtures().resolve("session_golden"), one);
    SessionExporter.Result r = new SessionExporter(SCHEMA).export(rotated, segs);
    assertThat(r.partial()).isFalse();
    assertThat(files(segs)).isEqualTo(files(one));
    for (Path f : files(one)) {
      assertThat(Files.readAllBytes(segs.resolve(f))).as(f.toString()).isEqualTo(Files.readAllBytes(one.resolve(f)));
    }
  }

  @Test
  void theBudgetsDropsAreNamedExactlyAndTheRestIsRead(@TempDir Path tmp) throws IOException {
    Path budget = copyAsGolden("session_budget", tmp.resolve("budget"));
    SessionExporter.Result all = new SessionExporter(SCHEMA).export(
        TestPaths.spoolFixtures().resolve("session_golden"), tmp.resolve("all"));
    SessionExporter.Result kept = new SessionExporter(SCHEMA).export(budget, tmp.resolve("kept"));
    // a stated loss of known size, not damage: not partial, exit 0
    assertThat(kept.partial()).isFalse();
    assertThat(kept.warnings()).containsExactly(
        "engine_core-301.pmspool: 15 records from 0.000000–0.012000 s dropped by the disk budget "
            + "(segment 0, 1465 bytes; budget 9000 bytes)");
    // segment 1 carries a copy of the parallel_identity state record (its metadata: "carried": 1), read as
    // the state once segment 0 is gone
    assertThat(all.records() - kept.records()).isEqualTo(15 - 1);
    JsonNode meta = JSON.readTree(tmp.resolve("kept/metadata.json").toFile());
    assertThat(meta.path("warnings").get(0).asText()).isEqualTo(kept.warnings().getFirst());
    // the process is still the one stream, named as an unrotated spool would be
    assertThat(meta.path("processes").get(0).path("spool").asText()).isEqualTo("engine_core-301.pmspool");
  }

  /**
   * A capture's copy holds only a process's later segments, its index leaving the others out on
   * purpose: not damage, and the state written once at the start (the MoE layers, the engine
   * config) is still known, from the copies the segment carries.
   */
  @Test
  void aSegmentReadWithoutItsPredecessorsKeepsTheProcessStateItCarries(@TempDir Path tmp) throws IOException {
    Path whole = copyAsGolden("session_rotated", tmp.resolve("whole"));
    Path capture = copyAsGolden("session_rotated", tmp.resolve("capture"));
    Files.delete(capture.resolve("raw/worker-302.0.pmspool"));
    Files.delete(capture.resolve("raw/worker-302.1.pmspool"));
    Files.writeString(capture.resolve("raw/segments.jsonl"),
        SegmentCatalog.outsideCaptureLine("worker-302", 0) + "\n" + SegmentCatalog.outsideCaptureLine("worker-302", 1)
            + "\n");
    SessionExporter.Result w = new SessionExporter(SCHEMA).export(whole, tmp.resolve("w"));
    SessionExporter.Result c = new SessionExporter(SCHEMA, true).export(capture, tmp.resolve("c"));
    assertThat(c.partial()).isFalse();
    assertThat(c.warnings()).isEqualTo(w.warnings());
    JsonNode wm = JSON.readTree(tmp.resolve("w/metadata.json").toFile());
    JsonNode cm = JSON.readTree(tmp.resolve("c/metadata.json").toFile());
    assertThat(wm.path("moe").path("moe_layers").size()).isEqualTo(3);
    // the layers' shapes come from the carried moe_layer records (layer 0's MoE counts are in the
    // left-out segments, so the capture does not know it as MoE: data, not state)
    for (String key : List.of("n_routed_experts", "n_shared_experts", "top_k", "routing", "expert_backend",
        "counts_not_recorded", "num_hidden_layers")) {
      assertThat(cm.path("moe").path(key)).as(key).isEqualTo(wm.path("moe").path(key));
    }
    assertThat(cm.path("moe").path("moe_layers").toString()).isEqualTo("[1,2]");
    assertThat(cm.path("engine").path("moe_backend")).isEqualTo(wm.path("engine").path("moe_backend"));
    // the whole stream reads the copies once, as one file: the same records as session_golden
    try (SessionReader r = SessionReader.open(whole, SCHEMA)) {
      long n = count(r);
      assertThat(r.carriedRecordsRead()).isZero();
      try (SessionReader g = SessionReader.open(TestPaths.spoolFixtures().resolve("session_golden"), SCHEMA)) {
        assertThat(n).isEqualTo(count(g));
      }
    }
  }

  @Test
  void aMissingSegmentTheIndexDoesNotExplainIsDamage(@TempDir Path tmp) throws IOException {
    Path session = copyAsGolden("session_rotated", tmp);
    Files.delete(session.resolve("raw/worker-302.1.pmspool"));
    SessionExporter.Result r = new SessionExporter(SCHEMA).export(session, tmp.resolve("out"));
    assertThat(r.partial()).isTrue();
    assertThat(r.warnings()).anyMatch(w -> w.startsWith("worker-302.1.pmspool: bytes 0-0 dropped (segment missing"));
    assertThatThrownBy(() -> new SessionExporter(SCHEMA, true).export(session, tmp.resolve("strict")))
        .hasMessageContaining("segment missing");
  }

  @Test
  void strictExportAcceptsTheBudgetsStatedDrops(@TempDir Path tmp) throws IOException {
    // the budget's drops are the configured behaviour, not damage: --strict does not fail for them
    SessionExporter.Result r = new SessionExporter(SCHEMA, true).export(copyAsGolden("session_budget", tmp),
        tmp.resolve("out"));
    assertThat(r.warnings()).hasSize(1);
  }

  @Test
  void aSegmentTheIndexListsAsDroppedIsNotReadEvenWhileStillOnDisk(@TempDir Path tmp) throws IOException {
    // the probe indexes a drop, then deletes the file: a reader in between must not count it twice
    Path session = copyAsGolden("session_budget", tmp);
    Files.copy(TestPaths.spoolFixtures().resolve("session_rotated/raw/engine_core-301.0.pmspool"),
        session.resolve("raw/engine_core-301.0.pmspool"));
    SessionExporter.Result r = new SessionExporter(SCHEMA).export(session, tmp.resolve("out"));
    SessionExporter.Result expected = new SessionExporter(SCHEMA).export(
        copyAsGolden("session_budget", tmp.resolve("b")), tmp.resolve("out2"));
    assertThat(r.records()).isEqualTo(expected.records());
    assertThat(r.warnings()).isEqualTo(expected.warnings());
  }

  /**
   * A reader racing the budget's deletions (index line first, then the file, oldest first, as
   * retention.py does) always sees every record either read or stated as dropped: never both,
   * never neither, never damage.
   */
  @Test
  void aReaderRacingTheBudgetSeesEveryRecordReadOrStated(@TempDir Path tmp) throws Exception {
    long total;
    try (SessionReader r = SessionReader.open(TestPaths.spoolFixtures().resolve("session_rotated"), SCHEMA)) {
      total = count(r);
    }
    String[] order = {"engine_core-301.0", "worker-302.0", "worker-302.1"};
    long[] recs = {15, 21, 21};
    for (int round = 0; round < 40; round++) {
      Path session = copyAsGolden("session_rotated", tmp.resolve("r" + round));
      Path raw = session.resolve("raw");
      AtomicBoolean done = new AtomicBoolean();
      Thread budget = new Thread(() -> {
        try {
          for (int i = 0; i < order.length; i++) {
            String line = "{\"event\": \"dropped\", \"file\": \"" + order[i] + ".pmspool\", \"spool\": \""
                + order[i].substring(0, order[i].indexOf('.')) + "\", \"segment\": " + order[i].charAt(order[i].length() - 1)
                + ", \"first_t_ns\": 1000000000, \"last_t_ns\": 1000000000, \"records\": " + recs[i]
                + ", \"bytes\": 1, \"budget_bytes\": 1}\n";
            Files.writeString(raw.resolve("segments.jsonl"), line, java.nio.file.StandardOpenOption.APPEND);
            Thread.onSpinWait();
            Files.delete(raw.resolve(order[i] + ".pmspool"));
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        } finally {
          done.set(true);
        }
      });
      budget.start();
      List<Long> seen = new ArrayList<>();
      do {
        try (SessionReader r = SessionReader.open(session, SCHEMA)) {
          long read = count(r);
          assertThat(r.dropped()).isEmpty();
          long stated = r.budgetDrops().stream().mapToLong(d -> d.records()).sum();
          // a segment read without its predecessor reads the state copies it carries: not records lost or new
          seen.add(read - r.carriedRecordsRead() + stated);
        }
      } while (!done.get());
      budget.join();
      assertThat(seen).allMatch(n -> n == total);
    }
  }

  private static long count(SessionReader r) {
    long n = 0;
    for (var it = r.merged(); it.hasNext(); it.next()) {
      n++;
    }
    return n;
  }
}
