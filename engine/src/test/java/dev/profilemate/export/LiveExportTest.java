package dev.profilemate.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.aggregate.CaptureSettings;
import dev.profilemate.common.CsvTable;
import dev.profilemate.session.SessionReader;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolChunks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * collect's incremental refreshes: a session grown in many steps (torn chunks, segments appearing)
 * with a refresh after each, then a last one once the processes are gone, holds the bytes of a
 * whole export of the same spools, file by file; so does one whose collector restarts from its
 * checkpoint at every step, and one that crashed after appending rows but before its checkpoint.
 */
class LiveExportTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  /** A fixture's spools as they stood when `share` of each stream's bytes was written. */
  private static void grow(Path fixtureRaw, Path raw, double share) throws IOException {
    Map<String, List<Path>> streams = new TreeMap<>();
    try (Stream<Path> s = Files.list(fixtureRaw)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".pmspool")).sorted().toList()) {
        String name = f.getFileName().toString();
        String stem = name.replaceAll("(\\.\\d+)?\\.pmspool$", "");
        streams.computeIfAbsent(stem, k -> new ArrayList<>()).add(f);
      }
    }
    for (List<Path> segs : streams.values()) {
      segs.sort((a, b) -> Integer.compare(segment(a), segment(b)));
      long total = 0;
      for (Path p : segs) {
        total += Files.size(p);
      }
      long left = (long) Math.ceil(total * share);
      boolean first = true;
      for (Path p : segs) {
        byte[] all = Files.readAllBytes(p);
        int n = (int) Math.min(all.length, left);
        List<SpoolChunks.Chunk> chunks = SpoolChunks.of(all);
        if (first && !chunks.isEmpty()) {
          n = Math.max(n, chunks.getFirst().end()); // every process there from the first refresh
        }
        first = false;
        left -= n;
        // a segment appears only once its first chunk is whole (SPEC, "Publication")
        if (chunks.isEmpty() || n < chunks.getFirst().end()) {
          break;
        }
        Files.write(raw.resolve(p.getFileName()), Arrays.copyOf(all, n));
        if (n < all.length) {
          break;
        }
      }
    }
    Path index = fixtureRaw.resolve("segments.jsonl");
    if (share >= 1 && Files.exists(index)) {
      Files.copy(index, raw.resolve("segments.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static int segment(Path p) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.(\\d+)\\.pmspool$").matcher(p.toString());
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Every session file under dir (not the spools, the checkpoint or staging folders), by relative name. */
  private static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        String rel = dir.relativize(f).toString();
        if (!rel.startsWith("raw/") && !rel.equals(LiveExport.CHECKPOINT)) {
          out.put(rel, Files.readAllBytes(f));
        }
      }
    }
    return out;
  }

  private static void assertSameFiles(Path live, Path whole) throws IOException {
    Map<String, byte[]> a = files(live);
    Map<String, byte[]> b = files(whole);
    assertThat(a.keySet()).isEqualTo(b.keySet());
    for (String f : b.keySet()) {
      assertThat(new String(a.get(f), StandardCharsets.UTF_8)).as(f).isEqualTo(new String(b.get(f), StandardCharsets.UTF_8));
    }
  }

  enum Mode { ONE_COLLECTOR, RESTART_EACH_STEP, CRASH_AFTER_APPEND }

  /** Grows the fixture in steps with a refresh after each; returns what the collector said on stderr. */
  private static String collect(String fixture, Path tmp, Mode mode, int steps) throws IOException {
    Path fixtureRaw = TestPaths.spoolFixtures().resolve(fixture).resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
    LiveExport live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(), errs);
    for (int i = 1; i <= steps; i++) {
      grow(fixtureRaw, raw, (double) i / steps);
      if (mode != Mode.ONE_COLLECTOR) {
        live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(), errs);
      }
      try {
        live.refresh(false, Set.of());
      } catch (IOException e) {
        assertThat(e.getMessage()).containsAnyOf("no readable spool", "no .pmspool files"); // no first chunk whole yet
      }
      if (mode == Mode.CRASH_AFTER_APPEND && Files.exists(session.resolve("request_lifecycle.csv"))) {
        // rows a refresh appended before dying, its checkpoint not written
        Files.writeString(session.resolve("request_lifecycle.csv"), "junk,row\n", StandardOpenOption.APPEND);
        Files.writeString(session.resolve("moe_expert_tracking/moe_load_imbalance.csv"), "junk\n",
            StandardOpenOption.APPEND);
      }
    }
    if (mode != Mode.ONE_COLLECTOR) {
      live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(), errs);
    }
    SessionExporter.Result r = live.refresh(true, Set.of());
    assertThat(r.partial()).isFalse();
    Path whole = tmp.resolve("whole");
    new SessionExporter(SCHEMA).export(session, whole);
    assertSameFiles(session, whole);
    return err.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_golden", "session_rotated", "session_traced", "session_chunked",
      "session_two_nodes_chunked", "session_tp_moe"})
  void aSessionGrownInStepsEndsAsItsWholeExport(String fixture, @TempDir Path tmp) throws IOException {
    String err = collect(fixture, tmp, Mode.ONE_COLLECTOR, 37);
    assertThat(err).as("no step fell back to a read from the start").isEmpty();
  }

  /**
   * Issue 25: collect puts another node's processes on the session's clock as export does. In
   * session_two_nodes_chunked node-b's monotonic clock reads 1000 s ahead of node-a's, and its second
   * anchor moves its mapping by 2 µs: after every refresh the rows collect has written show both nodes'
   * barrier instants at the same times, as MultiNodeExportTest's export does.
   */
  @Test
  void aTwoNodeSessionIsAlignedAtEveryRefresh(@TempDir Path tmp) throws IOException {
    Path fixtureRaw = TestPaths.spoolFixtures().resolve("session_two_nodes_chunked").resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    LiveExport live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(), System.err);
    int steps = 9;
    for (int i = 1; i <= steps; i++) {
      grow(fixtureRaw, raw, (double) i / steps);
      live.refresh(i == steps, Set.of());
      CsvTable ops = CsvTable.read(session.resolve("cpu_operations_timing.csv"));
      Map<String, String> at = new TreeMap<>();
      for (String[] r : ops.rows()) {
        String was = at.put(ops.text(r, "context") + "@" + ops.text(r, "node"), ops.text(r, "timestamp_sec"));
        assertThat(was).isNull();
      }
      at.forEach((k, t) -> {
        if (k.endsWith("@node-b") && at.containsKey(k.replace("node-b", "node-a"))) {
          // the same instant at the same time (to the 2 µs the second anchor moved node-b)
          double a = Double.parseDouble(at.get(k.replace("node-b", "node-a")));
          assertThat(Double.parseDouble(t)).as(k).isCloseTo(a, org.assertj.core.data.Offset.offset(2.5e-6));
        }
      });
    }
    assertThat(Files.readString(session.resolve("cpu_operations_timing.csv")))
        .contains("0.060002,barrier,1.000,i=4,node-b,0,0,1,1");
    com.fasterxml.jackson.databind.JsonNode b = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(session.resolve("metadata.json").toFile()).path("processes").get(1).path("clock");
    assertThat(b.path("aligned_by").asText()).startsWith("wall-clock anchors");
    assertThat(b.path("shift_ns").asLong()).isEqualTo(-1_000_000_000_000L + 2_000);
    Path whole = tmp.resolve("whole");
    new SessionExporter(SCHEMA).export(session, whole);
    assertSameFiles(session, whole);
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_golden", "session_rotated", "session_two_nodes_chunked"})
  void aCollectorRestartedFromItsCheckpointAtEveryStepEndsTheSame(String fixture, @TempDir Path tmp) throws IOException {
    String err = collect(fixture, tmp, Mode.RESTART_EACH_STEP, 23);
    assertThat(err).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"session_golden", "session_rotated"})
  void rowsAppendedAfterTheLastCheckpointAreCutOff(String fixture, @TempDir Path tmp) throws IOException {
    String err = collect(fixture, tmp, Mode.CRASH_AFTER_APPEND, 11);
    assertThat(err).isEmpty();
  }

  @Test
  void aRewrittenSpoolCostsOneReadFromTheStartAndSaysSo(@TempDir Path tmp) throws IOException {
    Path fixtureRaw = TestPaths.spoolFixtures().resolve("session_golden").resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    LiveExport live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    grow(fixtureRaw, raw, 0.6);
    live.refresh(false, Set.of());
    // the same name, other bytes: a spool of another session copied over this one
    Path other = TestPaths.spoolFixtures().resolve("session_rotated/raw/worker-302.0.pmspool");
    Files.copy(other, raw.resolve("worker-302.pmspool"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    live.refresh(true, Set.of());
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("worker-302.pmspool")
        .contains("reading the session from the start").hasLineCount(1);
    Path whole = tmp.resolve("whole");
    new SessionExporter(SCHEMA).export(session, whole);
    assertSameFiles(session, whole);
  }

  @Test
  void aCheckpointOfOtherRulesIsNotUsed(@TempDir Path tmp) throws IOException {
    Path fixtureRaw = TestPaths.spoolFixtures().resolve("session_golden").resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    grow(fixtureRaw, raw, 0.5);
    new LiveExport(session, SCHEMA, CaptureSettings.defaults(), System.err).refresh(false, Set.of());
    assertThat(Files.getPosixFilePermissions(session.resolve(LiveExport.CHECKPOINT)))
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    grow(fixtureRaw, raw, 1);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CaptureSettings off = CaptureSettings.parse(List.of("off"));
    new LiveExport(session, SCHEMA, off, new PrintStream(err, true, StandardCharsets.UTF_8)).refresh(true, Set.of());
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("written by another engine or with other settings");
    Path whole = tmp.resolve("whole");
    new SessionExporter(SCHEMA, false, off).export(session, whole);
    assertSameFiles(session, whole);
  }

  @Test
  void aProcessThatShowsUpBeforeOthersInTheOrderCostsOneReadFromTheStart(@TempDir Path tmp) throws IOException {
    Path fixtureRaw = TestPaths.spoolFixtures().resolve("session_golden").resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    LiveExport live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    Files.copy(fixtureRaw.resolve("worker-302.pmspool"), raw.resolve("worker-302.pmspool"));
    live.refresh(false, Set.of());
    // engine_core-301 sorts first: process 0 of a whole read, so every index moves
    Files.copy(fixtureRaw.resolve("engine_core-301.pmspool"), raw.resolve("engine_core-301.pmspool"));
    live.refresh(true, Set.of());
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("a new process (engine_core-301.pmspool)")
        .hasLineCount(1);
    Path whole = tmp.resolve("whole");
    new SessionExporter(SCHEMA).export(session, whole);
    assertSameFiles(session, whole);
  }

  /** The live metrics as one whole read of the session counts them. */
  private static String wholeLiveMetrics(Path session) throws IOException {
    try (SessionReader r = SessionReader.open(session, SCHEMA)) {
      dev.profilemate.live.LiveAccumulator acc = new dev.profilemate.live.LiveAccumulator(SCHEMA, r.processes(), true);
      r.merged().forEachRemaining(acc::accept);
      acc.finish();
      return acc.snapshot(true, 0).toString();
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void liveMetricsCountOnAcrossRefreshesAndRestarts(boolean restart, @TempDir Path tmp) throws IOException {
    Path fixtureRaw = TestPaths.spoolFixtures().resolve("session_rotated").resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
    dev.profilemate.live.LiveAccumulator[] last = new dev.profilemate.live.LiveAccumulator[1];
    int[] fresh = new int[1];
    LiveExport.Tap tap = (view, prev) -> {
      if (prev == null) {
        fresh[0]++;
      }
      last[0] = prev != null ? (dev.profilemate.live.LiveAccumulator) prev
          : new dev.profilemate.live.LiveAccumulator(SCHEMA, view.processes(), true);
      last[0].processes(view.processes());
      return last[0];
    };
    LiveExport live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(), errs, tap, "live metrics");
    int steps = 13;
    for (int i = 1; i <= steps; i++) {
      grow(fixtureRaw, raw, (double) i / steps);
      if (restart) {
        live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(), errs, tap, "live metrics");
      }
      live.refresh(i == steps, Set.of());
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(fresh[0]).as("made once, then carried (through the checkpoint when restarted)").isEqualTo(1);
    assertThat(last[0].snapshot(true, 0).toString()).isEqualTo(wholeLiveMetrics(session));
    assertThat(last[0].records()).isGreaterThan(50);
  }

  @Test
  void aCollectorThatGaveUpEarlyIsFollowedByOneThatEndsTheSame(@TempDir Path tmp) throws IOException {
    // collect --max-wait gives up while vLLM runs: its last refresh takes every process as ended
    Path fixtureRaw = TestPaths.spoolFixtures().resolve("session_rotated").resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
    grow(fixtureRaw, raw, 0.5);
    new LiveExport(session, SCHEMA, CaptureSettings.defaults(), errs).refresh(true, Set.of());
    grow(fixtureRaw, raw, 1);
    new LiveExport(session, SCHEMA, CaptureSettings.defaults(), errs).refresh(true, Set.of());
    // a process that wrote on with records older than those used costs one read from the start
    assertThat(err.toString(StandardCharsets.UTF_8).lines().toList())
        .allMatch(l -> l.contains("taken as ended, has records older than those already handed on"));
    Path whole = tmp.resolve("whole");
    new SessionExporter(SCHEMA).export(session, whole);
    assertSameFiles(session, whole);
  }

  @Test
  void damageLeavesTheSessionToWholeExportsAndSaysSoOnce(@TempDir Path tmp) throws IOException {
    Path fixtureRaw = TestPaths.spoolFixtures().resolve("session_golden").resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    LiveExport live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    grow(fixtureRaw, raw, 0.4);
    live.refresh(false, Set.of());
    grow(fixtureRaw, raw, 1);
    // a flipped payload byte in the last chunk, past where the last refresh stopped
    Path f = raw.resolve("worker-302.pmspool");
    byte[] b = Files.readAllBytes(f);
    SpoolChunks.Chunk last = SpoolChunks.of(b).getLast();
    b[last.end() - 3] ^= 0x5a;
    Files.write(f, b);
    live.refresh(false, Set.of());
    SessionExporter.Result r = live.refresh(true, Set.of());
    assertThat(r.partial()).isTrue();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("worker-302.pmspool: damaged")
        .containsOnlyOnce("each refresh exports it whole");
    Path whole = tmp.resolve("whole");
    new SessionExporter(SCHEMA).export(session, whole);
    assertSameFiles(session, whole);
  }

  @Test
  void aRefreshThatWouldSeeNothingNewIsSkipped(@TempDir Path tmp) throws IOException {
    Path fixtureRaw = TestPaths.spoolFixtures().resolve("session_golden").resolve("raw");
    Path session = tmp.resolve("session_live");
    Path raw = Files.createDirectories(session.resolve("raw"));
    LiveExport live = new LiveExport(session, SCHEMA, CaptureSettings.defaults(), System.err);
    grow(fixtureRaw, raw, 1);
    SessionExporter.Result first = live.refresh(true, Set.of());
    Files.delete(session.resolve("preemption_summary.json"));
    assertThat(live.refresh(true, Set.of())).isSameAs(first);
    assertThat(session.resolve("preemption_summary.json")).doesNotExist();
    Files.writeString(raw.resolve("segments.jsonl"), "\n"); // the spool folder changed: read again
    assertThat(live.refresh(true, Set.of())).isNotSameAs(first);
    assertThat(session.resolve("preemption_summary.json")).exists();
  }
}
