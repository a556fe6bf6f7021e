package dev.profilemate.kernel.ncu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import dev.profilemate.common.GpuCatalogue;
import dev.profilemate.kernel.Fixtures;
import dev.profilemate.kernel.Golden;
import dev.profilemate.kernel.category.CategoryRules;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code profilemate ncu} on the real ncu 2025.3 H200 fixtures (fixtures/ncu/README.md). */
class NcuAnalyzerTest {
  static Path fx(String name) {
    return Fixtures.path("ncu/tinyllama_h200_ncu2025.3_" + name);
  }

  static NcuReport analyze(String name) {
    return new NcuAnalyzer(CategoryRules.defaults(), GpuCatalogue.bundled(), null).analyze(fx(name));
  }

  @Test
  void autoAndBaseUnitsGiveTheSameNumbers() {
    List<NcuReport.LaunchRow> auto = analyze("first45_raw.csv").launches();
    List<NcuReport.LaunchRow> base = analyze("first45_raw_baseunits.csv").launches();
    assertThat(auto).hasSize(45).hasSameSizeAs(base);
    for (int i = 0; i < auto.size(); i++) {
      NcuReport.LaunchRow a = auto.get(i);
      NcuReport.LaunchRow b = base.get(i);
      assertThat(a.id()).isEqualTo(b.id());
      assertThat(a.name()).isEqualTo(b.name());
      assertThat(a.durationNs()).isEqualTo(b.durationNs()); // "1.664000" us = "1,664" ns
      assertThat(a.dramBytes()).isEqualTo(b.dramBytes()); // "0.002816" Mbyte = "2,816" byte
      assertThat(a.dramBytesPerSec()).isCloseTo(b.dramBytesPerSec(), within(Math.max(1.0, b.dramBytesPerSec() * 1e-5)));
      assertThat(a.ncuSmPct()).isCloseTo(b.ncuSmPct(), within(0.006));
      assertThat(a.flops()).isEqualTo(b.flops());
      assertThat(a.bound()).isEqualTo(b.bound());
    }
  }

  @Test
  void detailsPageAgreesWithRawPage() {
    List<NcuReport.LaunchRow> raw = analyze("first45_raw.csv").launches();
    for (String details : List.of("first45_details.csv", "first45_details_baseunits.csv.gz")) {
      NcuReport r = analyze(details);
      assertThat(r.source().page()).isEqualTo("details");
      List<NcuReport.LaunchRow> d = r.launches();
      assertThat(d).hasSize(45);
      for (int i = 0; i < d.size(); i++) {
        assertThat(d.get(i).name()).isEqualTo(raw.get(i).name());
        // the details page prints 2 decimals in auto units ("3.17 us")
        assertThat(d.get(i).durationNs()).isCloseTo(raw.get(i).durationNs(), within(5.0));
        assertThat(d.get(i).ncuSmPct()).isCloseTo(raw.get(i).ncuSmPct(), within(0.006));
        assertThat(d.get(i).ncuMemoryPct()).isCloseTo(raw.get(i).ncuMemoryPct(), within(0.006));
      }
    }
  }

  @Test
  void liveStdoutWithProfilerLinesIsRead() {
    NcuReport r = analyze("live-stdout_raw.txt");
    assertThat(r.source().skippedLines()).isEqualTo(4); // ==WARNING==, ==PROF== x2 and the program's own line
    assertThat(r.launches()).hasSize(6);
    assertThat(r.launches().get(0).durationNs()).isEqualTo(2112.0);
    assertThat(r.launches().get(1).dramBytes()).isEqualTo(1_046_784.0);
    assertThat(r.gpu().deviceName()).isEqualTo("NVIDIA H200");
    assertThat(r.launches()).allMatch(l -> l.bound().equals("unknown")); // only duration and DRAM bytes were collected
  }

  @Test
  void decodeLmHeadGemmIsMemoryBound() {
    NcuReport r = analyze("all566_raw.csv.gz");
    assertThat(r.launches()).hasSize(565); // the README says 566 rows; the file holds IDs 0..564
    NcuReport.KernelRow k = r.kernels().stream()
        .filter(x -> x.name().equals("nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT")).findFirst().orElseThrow();
    assertThat(k.category()).isEqualTo("gemm");
    assertThat(k.tensorCores()).isTrue();
    assertThat(k.bound()).isEqualTo("memory");
    assertThat(k.dramBytesPerSec()).isBetween(3.2e12, 3.45e12); // research notes: 3.33 Tbyte/s
    assertThat(k.ncuMemoryPct()).isBetween(69.0, 70.5);
    assertThat(k.rooflineSide()).isNull(); // tensor-core math is not in the SASS counters
    assertThat(r.kernels().stream().filter(x -> x.name().contains("sdpa"))).allMatch(x -> x.category().equals("attention"));
  }

  @Test
  void peaksComeFromTheTableAndTheCounters() {
    NcuReport.Gpu g = analyze("first45_raw.csv").gpu();
    assertThat(g.deviceName()).isEqualTo("NVIDIA H200");
    assertThat(g.peakTable()).isEqualTo("H200 SXM");
    assertThat(g.peakDramSource()).isEqualTo("datasheet");
    assertThat(g.peakDramBytesPerSec()).isEqualTo(4.8e12);
    // dram__bytes.sum.peak_sustained 1.504 Kbyte/cycle x dram__cycles_elapsed.avg.per_second ~3.1 GHz
    assertThat(g.counterPeakDramBytesPerSec()).isBetween(4.5e12, 4.9e12);
    assertThat(g.ridgeTensorFlopPerByte()).isCloseTo(989.4e12 / 4.8e12, within(0.01));
    NcuReport.Gpu unnamed = analyze("first45_details.csv").gpu();
    assertThat(unnamed.deviceName()).isNull();
    assertThat(unnamed.peakDramBytesPerSec()).isNull();
    NcuReport.Gpu given = new NcuAnalyzer(CategoryRules.defaults(), GpuCatalogue.bundled(), "H100 SXM").analyze(fx("first45_details.csv")).gpu();
    assertThat(given.peakTable()).isEqualTo("H100 SXM");
  }

  /** The report and the kernel analysis take the same catalogue: a --gpu-peaks entry reaches the roofline too. */
  @Test
  void aGpuPeaksFileOverridesTheDatasheetAndSaysSo(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("peaks.json");
    Files.writeString(f, "{\"gpus\": [{\"name\": \"H200 at 4.0\", \"patterns\": [\"h200\"], \"bf16_tflops\": 900, "
        + "\"fp32_tflops\": 60, \"memory_bandwidth_gbps\": 4000}]}");
    NcuReport.Gpu g = new NcuAnalyzer(CategoryRules.defaults(), GpuCatalogue.withFile(f), null)
        .analyze(fx("first45_raw.csv")).gpu();
    assertThat(g.peakTable()).isEqualTo("H200 at 4.0");
    assertThat(g.peakDramSource()).isEqualTo(f.toString());
    assertThat(g.peakDramBytesPerSec()).isEqualTo(4.0e12);
    assertThat(g.ridgeTensorFlopPerByte()).isCloseTo(900e12 / 4.0e12, within(0.01));
  }

  /** Arithmetic intensity of one launch, recomputed by hand from the raw CSV's base-unit columns. */
  @Test
  void arithmeticIntensityIsSassFlopsPerDramByte() throws Exception {
    NcuReport.LaunchRow ours = analyze("first45_raw_baseunits.csv").launches().stream()
        .filter(l -> l.flops() != null && l.flops() > 0 && !l.tensorCores()).findFirst().orElseThrow();
    List<CsvRecord> rows;
    try (CsvReader<CsvRecord> csv = CsvReader.builder().ofCsvRecord(fx("first45_raw_baseunits.csv"))) {
      rows = csv.stream().toList();
    }
    List<String> h = rows.get(0).getFields();
    CsvRecord row = rows.get(2 + ours.id());
    java.util.function.Function<String, Double> v = m -> h.indexOf(m) < 0 ? 0.0 : Double.parseDouble(row.getField(h.indexOf(m)).replace(",", ""));
    double flops = 0;
    for (String op : List.of("fadd", "fmul", "hadd", "hmul", "dadd", "dmul")) {
      flops += v.apply("sm__sass_thread_inst_executed_op_" + op + "_pred_on.sum");
    }
    for (String op : List.of("ffma", "hfma", "dfma")) {
      flops += 2 * v.apply("sm__sass_thread_inst_executed_op_" + op + "_pred_on.sum");
    }
    double bytes = v.apply("dram__bytes_read.sum") + v.apply("dram__bytes_write.sum");
    assertThat(ours.flops()).isEqualTo(flops);
    assertThat(ours.arithmeticIntensity()).isCloseTo(flops / bytes, within(1e-4));
    assertThat(ours.rooflineSide()).isEqualTo(flops / bytes < ours.ridgePoint() ? "memory" : "compute");
  }

  @Test
  void jsonOutputMatchesGoldenFile() throws Exception {
    Path out = Fixtures.outDir("ncu-cmd").resolve("r.json");
    Fixtures.Run run = Fixtures.cli("ncu", fx("first45_raw.csv").toString(), "--json", out.toString(),
        "--csv-dir", out.resolveSibling("csv").toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("Top kernels by profiled time", "datasheet peaks (H200 SXM)");
    Golden.check("ncu-first45-raw.json", Files.readString(out, StandardCharsets.UTF_8));
    assertThat(Files.readAllLines(out.resolveSibling("csv/launches.csv"))).hasSize(46);
  }
}
