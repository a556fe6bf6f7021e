package dev.profilemate.kernel.nsys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.common.UserDataException;
import dev.profilemate.kernel.Fixtures;
import dev.profilemate.kernel.Golden;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code profilemate nsys} command end to end: golden JSON, CSV files, and bad input. */
class NsysCommandTest {
  @ParameterizedTest
  @ValueSource(strings = {"node", "graph"})
  void jsonOutputMatchesGoldenFile(String mode) throws Exception {
    Path out = Fixtures.outDir("nsys-cmd-" + mode);
    Path in = mode.equals("node") ? Fixtures.nsysNode() : Fixtures.nsysGraph();
    Path json = out.resolve("r.json");
    Fixtures.Run run = Fixtures.cli("nsys", in.toString(), "--json", json.toString(), "--csv-dir", out.resolve("csv").toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("Top kernels by GPU time", "GPU time by category", "Kernel time by phase", "CUDA graphs:", "GPU 0 idle:");
    Golden.check("nsys-" + mode + ".json", Files.readString(json, StandardCharsets.UTF_8));
    assertThat(out.resolve("csv")).isDirectoryContaining("glob:**/kernels.csv").isDirectoryContaining("glob:**/nvtx_ranges.csv")
        .isDirectoryContaining("glob:**/idle_gaps.csv").isDirectoryContaining("glob:**/phases.csv");
    assertThat(Files.readAllLines(out.resolve("csv/kernels.csv"))).hasSize(41).first()
        .isEqualTo("name,category,instances,totalNs,avgNs,medianNs,minNs,maxNs,stdDevNs,timePct");
  }

  @Test
  void jsonIsTheSameOnEveryRun() throws Exception {
    Path out = Fixtures.outDir("nsys-cmd-twice");
    Fixtures.cli("nsys", Fixtures.nsysNode().toString(), "--json", out.resolve("a.json").toString());
    Fixtures.cli("nsys", Fixtures.nsysNode().toString(), "--json", out.resolve("b.json").toString());
    assertThat(out.resolve("a.json")).hasSameTextualContentAs(out.resolve("b.json"));
  }

  @Test
  void missingFileIsOneLineAndExit1() {
    Fixtures.Run run = Fixtures.cli("nsys", "/nonexistent/report.sqlite");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err().strip()).isEqualTo("nsys: /nonexistent/report.sqlite: no such file; give an .sqlite file from nsys export --type sqlite, or an .nsys-rep");
  }

  @Test
  void notAnSqliteFileIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("nsys-bad-text").resolve("notes.sqlite");
    Files.writeString(f, "this is a text file, not a database\n");
    Fixtures.Run run = Fixtures.cli("nsys", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "not an SQLite database");
  }

  @Test
  void sqliteThatIsNotAnNsysExportIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("nsys-bad-other").resolve("other.sqlite");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f.toAbsolutePath())) {
      c.createStatement().execute("CREATE TABLE t (x INTEGER)");
    }
    Fixtures.Run run = Fixtures.cli("nsys", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "not an Nsight Systems export");
  }

  @Test
  void truncatedExportIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("nsys-bad-truncated").resolve("truncated.sqlite");
    byte[] all = Files.readAllBytes(Fixtures.nsysNode());
    Files.write(f, java.util.Arrays.copyOf(all, all.length / 3));
    Fixtures.Run run = Fixtures.cli("nsys", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString());
  }

  @Test
  void missingArgumentIsExit2() {
    assertThat(Fixtures.cli("nsys").exit()).isEqualTo(2);
  }

  @Test
  void nsysRepWithoutNsysOnPathIsAClearError() throws Exception {
    Path rep = Fixtures.outDir("nsys-rep-nopath").resolve("run.nsys-rep");
    Files.writeString(rep, "not really a report");
    assertThatThrownBy(() -> new NsysRepExporter("/nonexistent-bin").export(rep))
        .isInstanceOf(UserDataException.class)
        .hasMessageContaining(rep.toString())
        .hasMessageContaining("`nsys` is not on PATH");
  }

  @Test
  void nsysRepIsExportedWithNsysFromPath() throws Exception {
    Path dir = Fixtures.outDir("nsys-rep-fake");
    Path rep = dir.resolve("run.nsys-rep");
    Files.writeString(rep, "stand-in for a report");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path nsys = bin.resolve("nsys");
    // a stand-in nsys that "exports" by copying a real export to the --output path
    Files.writeString(nsys, "#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --output ]; then out=$2; fi; shift; done\n"
        + "cp '" + Fixtures.nsysNode().toAbsolutePath() + "' \"$out\"\n");
    Files.setPosixFilePermissions(nsys, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path out = new NsysRepExporter(bin.toString()).export(rep);
    assertThat(out).isEqualTo(dir.resolve("run.sqlite").toAbsolutePath());
    assertThat(new NsysAnalyzer(dev.profilemate.kernel.category.CategoryRules.defaults(), 3).analyze(out).report()
        .totals().kernelInstances()).isEqualTo(1759);
  }
}
