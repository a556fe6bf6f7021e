package dev.profilemate.kernel.kineto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.kernel.Fixtures;
import dev.profilemate.kernel.Golden;
import dev.profilemate.kernel.KernelSummary;
import dev.profilemate.kernel.PhaseBreakdown;
import dev.profilemate.kernel.category.CategoryRules;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** {@code profilemate trace} on the real Kineto fixtures (fixtures/kineto/README.md). */
class KinetoAnalyzerTest {
  static final Path TINYLLAMA = Fixtures.path("kineto/tinyllama_h200_torch2.11_cudagraph.pt.trace.json.gz");

  static TraceReport analyze(Path f) {
    return new KinetoAnalyzer(CategoryRules.defaults(), 10).analyze(f);
  }

  /** The same kernel totals computed independently from the whole JSON tree, with exact decimal times. */
  @Test
  void kernelTotalsEqualATreeBasedComputation() throws Exception {
    JsonNode root;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(TINYLLAMA))) {
      root = new ObjectMapper().readTree(in);
    }
    Map<String, long[]> expected = new HashMap<>(); // count, total, min, max
    for (JsonNode e : root.get("traceEvents")) {
      if (!"kernel".equals(e.path("cat").asText())) {
        continue;
      }
      long dur = new BigDecimal(e.get("dur").asText()).movePointRight(3).longValueExact();
      long[] a = expected.computeIfAbsent(e.get("name").asText(), k -> new long[] {0, 0, Long.MAX_VALUE, Long.MIN_VALUE});
      a[0]++;
      a[1] += dur;
      a[2] = Math.min(a[2], dur);
      a[3] = Math.max(a[3], dur);
    }
    TraceReport r = analyze(TINYLLAMA);
    assertThat(r.kernels()).hasSize(expected.size());
    for (KernelSummary k : r.kernels()) {
      assertThat(new long[] {k.instances(), k.totalNs(), k.minNs(), k.maxNs()}).as(k.name()).containsExactly(expected.get(k.name()));
    }
    assertThat(r.totals().kernelInstances()).isEqualTo(805);
    assertThat(r.totals().memoryOpInstances()).isEqualTo(6); // 4 gpu_memcpy + 2 gpu_memset
    assertThat(r.totals().events()).isEqualTo(4376);
  }

  @Test
  void graphReplayKernelsAreFoundByTheirLaunchCorrelation() {
    TraceReport r = analyze(TINYLLAMA);
    assertThat(r.cudaGraphs().method()).isEqualTo("graph-node-kernels");
    assertThat(r.cudaGraphs().graphLaunches()).isEqualTo(2);
    assertThat(r.cudaGraphs().graphKernelInstances()).isEqualTo(318L); // 159 kernels x 2 replays, per the README
  }

  @Test
  void phasesComeFromGpuAnnotationsWithStepNumbersDropped() {
    TraceReport r = analyze(TINYLLAMA);
    assertThat(r.phases().source()).isEqualTo("gpu-annotation");
    Map<String, PhaseBreakdown.Phase> p = r.phases().phases().stream()
        .collect(Collectors.toMap(PhaseBreakdown.Phase::phase, Function.identity()));
    assertThat(p).containsOnlyKeys("prefill", "decode_eager", "decode_cudagraph");
    // the same kernel counts per phase as nsys reports for the same workload (nvtx_kern_sum of the nsys fixture)
    assertThat(p.get("prefill").kernelInstances()).isEqualTo(155);
    assertThat(p.get("decode_eager").kernelInstances()).isEqualTo(324);
    assertThat(p.get("decode_cudagraph").kernelInstances()).isEqualTo(326);
    assertThat(p.get("decode_eager").ranges()).isEqualTo(2);
  }

  @Test
  void idleIsTheGapsBetweenGpuOperations() {
    var d = analyze(TINYLLAMA).idle();
    assertThat(d).singleElement().satisfies(x -> {
      assertThat(x.device()).isZero();
      assertThat(x.idleNs()).isEqualTo(x.spanNs() - x.busyNs());
      assertThat(x.busyNs()).isLessThanOrEqualTo(analyze(TINYLLAMA).totals().kernelNs() + analyze(TINYLLAMA).totals().memoryOpNs());
      assertThat(x.largestGaps()).hasSize(10);
    });
  }

  @Test
  void tritonKernelFromTheDriverApiIsCounted() {
    TraceReport r = analyze(Fixtures.path("kineto/hta_triton_example_a100.json.gz"));
    assertThat(r.kernels()).singleElement().satisfies(k -> assertThat(k.name()).isEqualTo("triton_poi_fused_add_cos_sin_0"));
    assertThat(r.source().gpus()).hasSize(8);
  }

  @Test
  void cpuOnlyTraceHasNoKernels() {
    TraceReport r = analyze(Fixtures.path("kineto/hta_cpu_only.pt.trace.json.gz"));
    assertThat(r.totals().kernelInstances()).isZero();
    assertThat(r.kernels()).isEmpty();
    assertThat(r.idle()).isEmpty();
    assertThat(r.phases().source()).isEqualTo("none");
    assertThat(r.source().rank()).isEqualTo(34);
  }

  @Test
  void jsonOutputMatchesGoldenFile() throws Exception {
    Path out = Fixtures.outDir("trace-cmd").resolve("r.json");
    Fixtures.Run run = Fixtures.cli("trace", TINYLLAMA.toString(), "--json", out.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("Top kernels by GPU time", "Kernel time by phase (source: gpu-annotation)", "CUDA graphs: 36.1%");
    Golden.check("trace-tinyllama.json", Files.readString(out, StandardCharsets.UTF_8));
  }

  @Test
  void microsecondTextBecomesExactNanoseconds() {
    assertThat(KinetoReader.microsToNanos("5091905164759.913")).isEqualTo(5_091_905_164_759_913L);
    assertThat(KinetoReader.microsToNanos("1.5")).isEqualTo(1_500);
    assertThat(KinetoReader.microsToNanos("42")).isEqualTo(42_000);
    assertThat(KinetoReader.microsToNanos("2.0004")).isEqualTo(2_000);
    assertThat(KinetoReader.microsToNanos("1e3")).isEqualTo(1_000_000);
  }
}
