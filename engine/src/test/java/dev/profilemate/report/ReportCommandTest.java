package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.cli.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReportCommandTest {

  private static Run run(String... args) {
    return Run.of(args);
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
    assertThat(r.err().strip()).doesNotContain("\n").startsWith("report: ").contains("nope: no such folder; give a session_* folder");
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

  @Test
  void kernelOptionsAddTheKernelSections(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("k.html");
    Run r = run("report", TestSessions.GOLDEN.toString(), "--out", out.toString(),
        "--nsys", KernelInputFiles.nsysNode().toString(), "--ncu", KernelInputFiles.ncuRaw().toString(),
        "--trace", KernelInputFiles.trace().toString());
    assertThat(r.code()).as(r.err()).isZero();
    String html = Files.readString(out);
    assertThat(html).contains("id=\"kernels-nsys\"").contains("id=\"kernels-trace\"")
        .contains("data-chart=\"ncu_roofline\"").contains("What bounds the kernels (ncu)");
  }

  @ParameterizedTest
  @CsvSource({
    "--nsys,ncu/tinyllama_h200_ncu2025.3_first45_raw.csv,not an SQLite database",
    "--ncu,kineto/hta_cpu_only.pt.trace.json.gz,no ncu CSV header",
    "--trace,ncu/tinyllama_h200_ncu2025.3_first45_raw.csv,not a PyTorch profiler trace",
    "--nsys,nsys/missing.sqlite,no such file; give ",
    "--ncu,ncu/missing.csv,no such file; give ",
    "--trace,kineto/missing.json.gz,no such file; give "})
  void badKernelInputIsOneLineNamingTheOptionAndTheFile(String option, String fixture, String problem, @TempDir Path tmp) {
    Path file = dev.profilemate.kernel.Fixtures.path(fixture);
    Run r = run("report", TestSessions.GOLDEN.toString(), "--out", tmp.resolve("x.html").toString(), option, file.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").startsWith("report: " + option + " " + file + ": ").contains(problem);
    assertThat(Files.exists(tmp.resolve("x.html"))).as("nothing written").isFalse();
  }

  @Test
  void truncatedTraceIsOneLine(@TempDir Path tmp) throws IOException {
    byte[] gz = Files.readAllBytes(KernelInputFiles.trace());
    Path cut = tmp.resolve("cut.pt.trace.json.gz");
    Files.write(cut, java.util.Arrays.copyOf(gz, gz.length / 2));
    Run r = run("report", TestSessions.GOLDEN.toString(), "--out", tmp.resolve("x.html").toString(), "--trace", cut.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").startsWith("report: --trace " + cut + ": ");
  }

  @Test
  void aKernelOptionGivenTwiceIsAUsageError() {
    Run r = run("report", TestSessions.GOLDEN.toString(), "--ncu", "a.csv", "--ncu", "b.csv");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--ncu").contains("only once");
  }

  @Test
  void kernelTracesAloneMakeAReportWithoutASession(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("kernels-only.html");
    Run r = run("report", "--nsys", KernelInputFiles.nsysGraph().toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    String html = Files.readString(out);
    assertThat(html).contains("id=\"kernels-nsys\"").contains(SectionStatus.NO_SESSION)
        .contains("none (kernel traces only)");
  }

  @Test
  void neitherSessionNorKernelTraceIsAUsageError() {
    Run r = run("report");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Missing SESSION").contains("--nsys");
  }
}
