package dev.profilemate.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.common.Progress;
import dev.profilemate.kernel.Golden;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace of the golden fixture session (an EngineCore and a worker: steps, a preemption, forward
 * passes, graph replays), locked as text ({@link TraceText}); and what every trace must be: tracks
 * declared before any event, each slice begun and ended on one track, the window and the cap kept.
 */
class TimelineGoldenTest {
  @TempDir Path tmp;

  private Path session() throws IOException {
    Path src = TestPaths.spoolFixtures().resolve("session_golden");
    Path dst = tmp.resolve("session_golden");
    if (Files.exists(dst)) {
      return dst;
    }
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Files.copy(p, dst.resolve(src.relativize(p).toString()));
      }
    }
    return dst;
  }

  private List<String> trace(Path session, Double from, Double to, long max) throws IOException {
    Path out = tmp.resolve("t-" + from + "-" + to + "-" + max + ".perfetto-trace");
    new SessionTimeline(RecordSchema.bundled(), false).write(session, out, from, to, max, Progress.NONE);
    return TraceText.lines(Files.readAllBytes(out));
  }

  @Test
  void theGoldenSessionsTraceIsLocked() throws IOException {
    List<String> lines = trace(session(), null, null, SessionTimeline.DEFAULT_MAX_EVENTS);
    Golden.check("timeline/session_golden.txt", String.join("\n", lines) + "\n");
  }

  @Test
  void theSameSessionGivesTheSameBytes() throws IOException {
    Path s = session();
    Path a = tmp.resolve("a.pftrace");
    Path b = tmp.resolve("b.pftrace");
    new SessionTimeline(RecordSchema.bundled(), false).write(s, a, null, null, 1000, Progress.NONE);
    new SessionTimeline(RecordSchema.bundled(), false).write(s, b, null, null, 1000, Progress.NONE);
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void tracksComeFirstAndEverySliceEndsOnItsTrack() throws IOException {
    Path s = session();
    for (long max : new long[] {SessionTimeline.DEFAULT_MAX_EVENTS, 25, 1}) {
      well(trace(s, null, null, max));
    }
    well(trace(s, 0.03, 0.05, 1000));
  }

  @Test
  void theWindowDrawsOnlyWhatStartsInIt() throws IOException {
    List<String> lines = trace(session(), 0.03, 0.05, 1000);
    // steps 2 and 3 start at 30 and 40 ms; step 1 (20 ms) and 4 (50 ms) lie outside
    assertThat(lines.stream().filter(l -> l.contains("{name=\"step\" int=")))
        .extracting(l -> l.replaceAll(".*\\{name=\"step\" int=(\\d+)}.*", "$1")).containsExactly("2", "3");
    assertThat(lines.stream().filter(l -> l.contains("event=")).map(TimelineGoldenTest::ts))
        .allMatch(t -> t >= 30_000_000L && t <= 50_000_000L);
  }

  @Test
  void theCapStopsTheTraceNearIt() throws IOException {
    List<String> all = trace(session(), null, null, SessionTimeline.DEFAULT_MAX_EVENTS);
    List<String> capped = trace(session(), null, null, 25);
    long events = capped.stream().filter(l -> l.contains("event=")).count();
    assertThat(events).isLessThan(all.stream().filter(l -> l.contains("event=")).count());
    // the last record's slices and the requests open at the cut close it: a few events past the cap
    assertThat(events).isBetween(25L, 25L + 40);
  }

  private static long ts(String line) {
    return Long.parseLong(line.replaceAll("^ts=(\\d+) .*", "$1"));
  }

  /** Descriptors first; per track, begins and ends pair up in timestamp order and never go below zero. */
  private static void well(List<String> lines) {
    boolean events = false;
    Map<String, List<long[]>> byTrack = new HashMap<>();
    for (String l : lines) {
      if (l.contains("track={uuid=")) {
        assertThat(events).as("descriptor after an event: %s", l).isFalse();
        continue;
      }
      events = true;
      String track = l.replaceAll(".* track=(\\d+).*", "$1");
      int kind = l.contains("type=begin") ? 1 : l.contains("type=end") ? -1 : 0;
      byTrack.computeIfAbsent(track, k -> new java.util.ArrayList<>()).add(new long[] {ts(l), kind});
    }
    byTrack.forEach((track, evs) -> {
      List<long[]> sorted = evs.stream().sorted(java.util.Comparator.comparingLong(e -> e[0])).toList();
      int depth = 0;
      for (long[] e : sorted) {
        depth += (int) e[1];
        assertThat(depth).as("track %s at %d", track, e[0]).isGreaterThanOrEqualTo(0);
      }
      assertThat(depth).as("slices left open on track %s", track).isZero();
    });
  }
}
