package dev.profilemate.kernel.ncu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.kernel.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Units, the peak table, and bad input (one line naming the file and problem, exit 1). */
class NcuInputTest {
  @Test
  void numbersWithSeparatorsAndLocales() {
    assertThat(NcuUnits.number("1,681,784")).isEqualTo(1_681_784.0);
    assertThat(NcuUnits.number("22,084.89")).isEqualTo(22_084.89);
    assertThat(NcuUnits.number("330,181,818,181.82")).isEqualTo(330_181_818_181.82);
    assertThat(NcuUnits.number("1.234,56")).isEqualTo(1234.56);
    assertThat(NcuUnits.number("0,5")).isEqualTo(0.5);
    assertThat(NcuUnits.number("0.000000")).isEqualTo(0.0);
    assertThat(NcuUnits.number("PolicySpread")).isNull();
    assertThat(NcuUnits.number("")).isNull();
  }

  @Test
  void unitsToBase() {
    assertThat(NcuUnits.factor("us")).isEqualTo(1e3);
    assertThat(NcuUnits.factor("usecond")).isEqualTo(1e3);
    assertThat(NcuUnits.factor("msecond")).isEqualTo(1e6);
    assertThat(NcuUnits.factor("ns")).isEqualTo(1);
    assertThat(NcuUnits.factor("Mbyte")).isEqualTo(1e6);
    assertThat(NcuUnits.factor("Gbyte/s")).isEqualTo(1e9);
    assertThat(NcuUnits.factor("Tbyte/s")).isEqualTo(1e12);
    assertThat(NcuUnits.factor("Gbyte/second")).isEqualTo(1e9);
    assertThat(NcuUnits.factor("byte/s")).isEqualTo(1);
    assertThat(NcuUnits.factor("Ghz")).isEqualTo(1e9);
    assertThat(NcuUnits.factor("hz")).isEqualTo(1);
    assertThat(NcuUnits.factor("Kbyte/cycle")).isEqualTo(1e3);
    assertThat(NcuUnits.factor("cycle/nsecond")).isEqualTo(1e9);
    assertThat(NcuUnits.factor("%")).isEqualTo(1);
    assertThat(NcuUnits.factor("inst")).isEqualTo(1);
    assertThat(NcuUnits.toBase("3.17", "us")).isEqualTo(3170.0);
  }

  /** A SYNTHETIC copy of the real raw CSV with one column removed. */
  static Path withoutColumn(String column, String name) throws Exception {
    List<String> lines = Files.readAllLines(NcuAnalyzerTest.fx("first45_raw.csv"));
    List<String> header = Arrays.asList(lines.get(0).split("\",\"", -1));
    int drop = -1;
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).replace("\"", "").equals(column)) {
        drop = i;
      }
    }
    assertThat(drop).isNotNegative();
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      List<String> f = new ArrayList<>(Arrays.asList(l.split("\",\"", -1)));
      f.remove(drop);
      String joined = String.join("\",\"", f);
      out.add((joined.startsWith("\"") ? "" : "\"") + joined + (joined.endsWith("\"") ? "" : "\""));
    }
    Path p = Fixtures.outDir("ncu-missing-" + name).resolve("synthetic_" + name + ".csv");
    Files.write(p, out);
    return p;
  }

  @Test
  void csvWithoutTheDurationColumnIsOneLineAndExit1() throws Exception {
    Path f = withoutColumn("gpu__time_duration.sum", "duration");
    Fixtures.Run run = Fixtures.cli("ncu", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "missing the required column \"gpu__time_duration.sum\"");
  }

  @Test
  void csvWithoutKernelNamesIsOneLineAndExit1() throws Exception {
    Path f = withoutColumn("Kernel Name", "name");
    Fixtures.Run run = Fixtures.cli("ncu", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "missing the required column \"Kernel Name\"");
  }

  @Test
  void fileWithoutAnNcuHeaderIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("ncu-noheader").resolve("stdout.txt");
    Files.writeString(f, "==PROF== Connected to process 1\nhello\n==ERROR== no kernels were profiled\n");
    Fixtures.Run run = Fixtures.cli("ncu", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "no ncu CSV header");
  }

  @Test
  void headerWithoutRowsIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("ncu-norows").resolve("empty.csv");
    Files.writeString(f, Files.readAllLines(NcuAnalyzerTest.fx("first45_raw.csv")).get(0) + "\n");
    Fixtures.Run run = Fixtures.cli("ncu", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "no kernel rows");
  }

  @Test
  void truncatedGzipIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("ncu-truncated").resolve("truncated.csv.gz");
    byte[] all = Files.readAllBytes(NcuAnalyzerTest.fx("all566_raw.csv.gz"));
    Files.write(f, Arrays.copyOf(all, all.length / 2));
    Fixtures.Run run = Fixtures.cli("ncu", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "truncated or corrupt gzip");
  }

  @Test
  void missingFileAndBadArguments() {
    Fixtures.Run run = Fixtures.cli("ncu", "/nonexistent/x.csv");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err().strip()).isEqualTo("ncu: /nonexistent/x.csv: no such file; give a CSV file from ncu --csv --page raw (or details)");
    assertThat(Fixtures.cli("ncu").exit()).isEqualTo(2);
    assertThat(Fixtures.cli("ncu", "a.csv", "--top", "many").exit()).isEqualTo(2);
  }
}
