package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.TestPaths;
import dev.profilemate.spool.SpoolChunks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged spool costs only its damaged part: the export is written, says what it lost, and exits 3. */
class ExportSalvageTest {
  private static final Path CHUNKED = TestPaths.spoolFixtures().resolve("session_chunked/raw");

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.run(args);
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The engine core's chunk 3 (of the intact file), which the damaged session loses. */
  private static SpoolChunks.Chunk lost() throws IOException {
    return SpoolChunks.of(Files.readAllBytes(CHUNKED.resolve("engine_core-301.pmspool"))).get(3);
  }

  private static String lostLine() throws IOException {
    SpoolChunks.Chunk c = lost();
    return "engine_core-301.pmspool: bytes " + c.start() + "-" + c.end()
        + " dropped (chunk checksum mismatch; chunks 3 missing); " + c.records() + " records lost";
  }

  /** The chunked golden session with one payload byte of the engine core's chunk 3 flipped. */
  /** session_chunked with the EngineCore's chunk 3 flipped (a checksum mismatch); TimelineCommandTest too. */
  static Path damagedSession(Path tmp) throws IOException {
    Path session = tmp.resolve("session_damaged");
    Files.createDirectories(session.resolve("raw"));
    byte[] b = Files.readAllBytes(CHUNKED.resolve("engine_core-301.pmspool"));
    b[lost().start() + 40] ^= 0x01;
    Files.write(session.resolve("raw/engine_core-301.pmspool"), b);
    Files.copy(CHUNKED.resolve("worker-302.pmspool"), session.resolve("raw/worker-302.pmspool"));
    return session;
  }

  @Test
  void aDamagedChunkIsWarnedAboutListedInMetadataAndExitsThree(@TempDir Path tmp) throws IOException {
    Path session = damagedSession(tmp);
    Run r = cli("export", session.toString());
    String line = lostLine();
    assertThat(r.code()).isEqualTo(ExitCodes.PARTIAL);
    assertThat(r.err().lines()).containsExactly("warning: " + line);
    JsonNode meta = new ObjectMapper().readTree(session.resolve("metadata.json").toFile());
    List<String> warnings = new ArrayList<>();
    meta.get("warnings").forEach(w -> warnings.add(w.asText()));
    assertThat(warnings).containsExactly(line);
    assertThat(meta.at("/processes/0/records").asLong()).isPositive();
    assertThat(Files.readAllLines(session.resolve("batch_utilization.csv"))).hasSizeGreaterThan(1);
  }

  @Test
  void theReportShowsTheExportsWarnings(@TempDir Path tmp) throws IOException {
    Path session = damagedSession(tmp);
    assertThat(cli("export", session.toString()).code()).isEqualTo(ExitCodes.PARTIAL);
    assertThat(cli("report", session.toString()).code()).isZero();
    String html = Files.readString(session.resolve("profile_report.html"));
    assertThat(html).contains("<ul class=\"warnings\">")
        .contains(lostLine());
  }

  @Test
  void strictRefusesTheFirstDroppedRangeWithOneLine(@TempDir Path tmp) throws IOException {
    Path session = damagedSession(tmp);
    Run r = cli("export", "--strict", session.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip()).doesNotContain("\n").contains("engine_core-301.pmspool")
        .contains("chunk checksum mismatch").contains("byte offset " + lost().start());
    assertThat(session.resolve("metadata.json")).doesNotExist();
  }

  @Test
  void anIntactSessionExitsZero(@TempDir Path tmp) throws IOException {
    Path session = tmp.resolve("session_ok");
    Files.createDirectories(session.resolve("raw"));
    for (String f : List.of("engine_core-301.pmspool", "worker-302.pmspool")) {
      Files.copy(CHUNKED.resolve(f), session.resolve("raw/" + f));
    }
    Run r = cli("export", "--strict", session.toString());
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
  }

  @Test
  void collectOnAFolderWithoutSpoolsExitsOneWithOneLine(@TempDir Path tmp) throws IOException {
    Path session = tmp.resolve("session_empty");
    Files.createDirectories(session.resolve("raw"));
    Run r = cli("collect", session.toString(), "--interval", "0.01", "--max-wait", "0.05");
    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip()).doesNotContain("\n").contains("no .pmspool files");
  }

  @Test
  void collectOfADamagedSessionExitsPartial(@TempDir Path tmp) throws IOException {
    Path session = damagedSession(tmp);
    Run r = cli("collect", session.toString(), "--interval", "0.01", "--max-wait", "0.05");
    assertThat(r.code()).isEqualTo(ExitCodes.PARTIAL);
    assertThat(r.err()).contains("warning: " + lostLine());
    assertThat(session.resolve("metadata.json")).exists();
  }
}
