package dev.profilemate.kernel.nsys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.NamedCsvRecord;
import dev.profilemate.kernel.Fixtures;
import dev.profilemate.kernel.IdleGapTracker;
import dev.profilemate.kernel.KernelSummary;
import dev.profilemate.kernel.category.CategoryRules;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our numbers against Nsight Systems' own {@code nsys stats} output for the same real exports
 * (fixtures/nsys/nsys_stats_reference, made with nsys 2025.3.1 on the H200 machine).
 */
class NsysReferenceTest {
  static NsysAnalyzer.Result analyze(String mode) {
    Path f = mode.equals("node") ? Fixtures.nsysNode() : Fixtures.nsysGraph();
    return new NsysAnalyzer(CategoryRules.defaults(), 10).analyze(f);
  }

  static List<NamedCsvRecord> reference(String name) throws Exception {
    Path p = Fixtures.path("nsys/nsys_stats_reference/" + name);
    try (Reader r = name.endsWith(".gz")
            ? new InputStreamReader(new GZIPInputStream(Files.newInputStream(p)), StandardCharsets.UTF_8)
            : Files.newBufferedReader(p);
        CsvReader<NamedCsvRecord> csv = CsvReader.builder().ofNamedCsvRecord(r)) {
      return csv.stream().toList();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "graph"})
  void everyKernelRowEqualsCudaGpuKernSum(String mode) throws Exception {
    List<KernelSummary> ours = analyze(mode).report().kernels();
    List<NamedCsvRecord> ref = reference(mode + "_cuda_gpu_kern_sum.csv");
    assertThat(ours).hasSize(ref.size());
    Map<String, KernelSummary> byName = ours.stream().collect(Collectors.toMap(KernelSummary::name, Function.identity()));
    for (int i = 0; i < ref.size(); i++) {
      NamedCsvRecord r = ref.get(i);
      KernelSummary k = byName.get(r.getField("Name"));
      assertThat(k).as("kernel %s", r.getField("Name")).isNotNull();
      assertThat(k.totalNs()).as("total of %s", k.name()).isEqualTo(Long.parseLong(r.getField("Total Time (ns)")));
      assertThat(k.instances()).isEqualTo(Long.parseLong(r.getField("Instances")));
      assertThat(k.minNs()).isEqualTo(Long.parseLong(r.getField("Min (ns)")));
      assertThat(k.maxNs()).isEqualTo(Long.parseLong(r.getField("Max (ns)")));
      assertThat(k.medianNs()).isEqualTo(Double.parseDouble(r.getField("Med (ns)")));
      assertThat(k.avgNs()).isEqualTo(Double.parseDouble(r.getField("Avg (ns)")));
      assertThat(k.stdDevNs()).isCloseTo(Double.parseDouble(r.getField("StdDev (ns)")), within(0.051));
      assertThat(k.timePct()).isCloseTo(Double.parseDouble(r.getField("Time (%)")), within(0.051));
      // same order: by total time descending
      assertThat(ours.get(i).totalNs()).isEqualTo(Long.parseLong(r.getField("Total Time (ns)")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "graph"})
  void rangeProjectionsEqualNvtxGpuProjTrace(String mode) throws Exception {
    List<NsysAnalyzer.RangeProjection> ours = analyze(mode).ranges();
    List<NamedCsvRecord> ref = reference(mode + "_nvtx_gpu_proj_trace.csv");
    assertThat(ours).hasSize(ref.size());
    for (int i = 0; i < ref.size(); i++) {
      NamedCsvRecord r = ref.get(i);
      NsysAnalyzer.RangeProjection p = ours.get(i);
      assertThat(":" + p.name()).isEqualTo(r.getField("Name")); // nsys prefixes the (default, empty) domain name
      assertThat(p.projectedStartNs()).isEqualTo(Long.parseLong(r.getField("Projected Start (ns)")));
      assertThat(p.projectedDurationNs()).isEqualTo(Long.parseLong(r.getField("Projected Duration (ns)")));
      assertThat(p.origStartNs()).isEqualTo(Long.parseLong(r.getField("Orig Start (ns)")));
      assertThat(p.origDurationNs()).isEqualTo(Long.parseLong(r.getField("Orig Duration (ns)")));
      assertThat(p.style()).isEqualTo(r.getField("Style"));
      assertThat(p.pid()).isEqualTo(Long.parseLong(r.getField("PID")));
      assertThat(p.tid()).isEqualTo(Long.parseLong(r.getField("TID")));
      assertThat(p.gpuOps()).isEqualTo(Long.parseLong(r.getField("NumGPUOps")));
      assertThat(p.level()).isEqualTo(Integer.parseInt(r.getField("Lvl")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "graph"})
  void kernelsPerRangeEqualNvtxKernSum(String mode) throws Exception {
    Map<String, long[]> ref = new HashMap<>();
    for (NamedCsvRecord r : reference(mode + "_nvtx_kern_sum.csv")) {
      long[] a = ref.computeIfAbsent(r.getField("NVTX Range"), k -> new long[2]);
      a[0] += Long.parseLong(r.getField("Total Time (ns)"));
      a[1] += Long.parseLong(r.getField("Kern Inst"));
    }
    NsysReport report = analyze(mode).report();
    for (NsysReport.NvtxRangeSummary s : report.nvtxRanges()) {
      assertThat(ref.get(":" + s.name())).as(s.name()).containsExactly(s.kernelNs(), s.kernelInstances());
    }
    // kernels launched outside every range are nsys's empty range name; ours is the unattributed phase
    var unattributed = report.phases().phases().stream()
        .filter(p -> p.phase().equals("(unattributed)")).findFirst().orElseThrow();
    assertThat(new long[] {unattributed.kernelNs(), unattributed.kernelInstances()}).containsExactly(ref.get(""));
    assertThat(report.phases().source()).isEqualTo("nvtx");
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "graph"})
  void idleTimeEqualsGapsInCudaGpuTrace(String mode) throws Exception {
    // union of the intervals nsys lists in cuda_gpu_trace (kernels, memcpy, memset), computed independently here
    List<long[]> ops = new ArrayList<>();
    for (NamedCsvRecord r : reference(mode + "_cuda_gpu_trace.csv.gz")) {
      long s = Long.parseLong(r.getField("Start (ns)"));
      ops.add(new long[] {s, s + Long.parseLong(r.getField("Duration (ns)"))});
    }
    ops.sort((a, b) -> Long.compare(a[0], b[0]));
    long busy = 0;
    long gaps = 0;
    long curS = ops.get(0)[0];
    long curE = ops.get(0)[1];
    for (long[] o : ops) {
      if (o[0] > curE) {
        busy += curE - curS;
        gaps++;
        curS = o[0];
        curE = o[1];
      } else {
        curE = Math.max(curE, o[1]);
      }
    }
    busy += curE - curS;
    IdleGapTracker.DeviceIdle d = analyze(mode).report().idle().get(0);
    if (mode.equals("node")) {
      assertThat(d.busyNs()).isEqualTo(busy);
      assertThat(d.gapCount()).isEqualTo(gaps);
      assertThat(d.spanNs()).isEqualTo(curE - ops.get(0)[0]);
    } else {
      // graph mode: the two graph-launch spans are busy time that cuda_gpu_trace does not list
      assertThat(d.busyNs()).isGreaterThan(busy);
      assertThat(d.firstStartNs()).isEqualTo(ops.get(0)[0]);
    }
    assertThat(d.idleNs()).isEqualTo(d.spanNs() - d.busyNs());
  }
}
