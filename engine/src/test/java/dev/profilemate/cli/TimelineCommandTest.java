package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `profilemate timeline` on bad input, as export does: a damaged spool chunk is one warning line,
 * the trace is written from everything else and the exit is 3 (partial); --strict refuses it (exit 1,
 * one line, no trace); the cap is a warning line saying where the trace stopped, exit 0.
 */
class TimelineCommandTest {

  /** The chunked golden session with one payload byte of the engine core's chunk 3 flipped. */
  private static Path damaged(Path tmp) throws IOException {
    return ExportSalvageTest.damagedSession(tmp);
  }

  @Test
  void aDamagedChunkIsOneWarningAndExitsThreeWithTheTraceWritten(@TempDir Path tmp) throws IOException {
    Path session = damaged(tmp);
    Run r = Run.of("timeline", session.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.PARTIAL);
    assertThat(r.err().lines()).singleElement().asString().startsWith("warning: engine_core-301.pmspool: bytes ")
        .contains("chunk checksum mismatch");
    assertThat(r.out()).startsWith("timeline: ").contains(" steps, ");
    assertThat(Files.size(session.resolve(TimelineCommand.FILE))).isPositive();
  }

  @Test
  void strictRefusesDamageWithOneLineAndWritesNothing(@TempDir Path tmp) throws IOException {
    Path session = damaged(tmp);
    Run r = Run.of("timeline", "--strict", session.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().lines()).singleElement().asString().startsWith("timeline: ")
        .contains("engine_core-301.pmspool");
    try (var left = Files.list(session)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("raw");
    }
  }

  @Test
  void theCapIsAWarningThatSaysWhereItStopped(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("capped.perfetto-trace");
    Run r = Run.of("timeline", TestPaths.spoolFixtures().resolve("session_golden").toString(), "--out", out.toString(),
        "--max-events", "10", "--quiet");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).matches("warning: stopped at \\d+ events, 0\\.\\d{3} s into the session; --from 0\\.\\d{3} "
        + "draws the rest, --max-events raises the cap\n");
  }

  @Test
  void aBadWindowIsABadArgument() {
    Path s = TestPaths.spoolFixtures().resolve("session_golden");
    assertThat(Run.of("timeline", s.toString(), "--from", "2", "--to", "1").code()).isEqualTo(ExitCodes.BAD_ARGUMENTS);
    assertThat(Run.of("timeline", s.toString(), "--max-events", "0").code()).isEqualTo(ExitCodes.BAD_ARGUMENTS);
  }
}
