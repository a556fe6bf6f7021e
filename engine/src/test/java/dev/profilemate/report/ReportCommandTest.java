package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = System.out;
    PrintStream e = System.err;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(o);
      System.setErr(e);
    }
  }

  @Test
  void writesProfileReportHtmlIntoTheSessionByDefault(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    Run r = run("report", s.toString());
    assertThat(r.code()).isZero();
    Path html = s.resolve("profile_report.html");
    assertThat(r.out()).contains(html.toString());
    assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("id=\"report-data\"");
    try (var files = Files.list(s)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void outOptionAndGpuOption(@TempDir Path tmp) {
    Path out = tmp.resolve("sub/r.html");
    Run r = run("report", TestSessions.GOLDEN.toString(), "--out", out.toString(), "--gpu", "H100-SXM");
    assertThat(r.code()).isZero();
    assertThat(Files.isRegularFile(out)).isTrue();
  }

  @Test
  void missingSessionIsOneLineAndExitOne(@TempDir Path tmp) {
    Run r = run("report", tmp.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").startsWith("report: ").contains("not a session directory");
  }

  @Test
  void rawOnlySessionSaysToExportFirst(@TempDir Path tmp) throws IOException {
    Files.createDirectories(tmp.resolve("session_x/raw"));
    Run r = run("report", tmp.resolve("session_x").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").contains("profilemate export");
  }

  @Test
  void unknownGpuIsOneLineWithTheKnownNames() {
    Run r = run("report", TestSessions.GOLDEN.toString(), "--gpu", "Voodoo2", "--out", "target/test-out/x.html");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").contains("Voodoo2").contains("H100 SXM");
  }

  @Test
  void brokenMetadataIsOneLine(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    Files.writeString(s.resolve("metadata.json"), "{ not json");
    Run r = run("report", s.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").contains("metadata.json");
  }
}
