package dev.profilemate.kernel.nsys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.kernel.CategoryTotal;
import dev.profilemate.kernel.GraphCoverage;
import org.junit.jupiter.api.Test;

/** Facts of the two real H200 exports (see fixtures/nsys/README.md). */
class NsysAnalyzerTest {
  @Test
  void nodeModeGraphCoverageCountsTheGraphKernels() {
    NsysReport r = NsysReferenceTest.analyze("node").report();
    GraphCoverage g = r.cudaGraphs();
    assertThat(g.captureMode()).isEqualTo("node");
    assertThat(g.method()).isEqualTo("graph-node-kernels");
    assertThat(g.graphKernelInstances()).isEqualTo(318L); // 159 kernels x 2 replays, per the README
    assertThat(g.graphLaunches()).isEqualTo(2);
    assertThat(g.graphSharePct()).isBetween(10.0, 25.0);
    assertThat(r.totals().kernelInstances()).isEqualTo(1759);
    assertThat(r.totals().memoryOpInstances()).isEqualTo(28); // 20 memcpy + 8 memset
  }

  @Test
  void graphModeGraphCoverageUsesLaunchSpans() {
    NsysReport r = NsysReferenceTest.analyze("graph").report();
    GraphCoverage g = r.cudaGraphs();
    assertThat(g.captureMode()).isEqualTo("graph");
    assertThat(g.method()).isEqualTo("graph-launch-spans");
    assertThat(g.graphLaunches()).isEqualTo(2);
    assertThat(g.distinctGraphs()).isEqualTo(1L);
    assertThat(g.graphLaunchSpanNs()).isEqualTo((3111297551L - 3110971535L) + (3111681998L - 3111331823L));
    assertThat(g.graphKernelNs()).isNull();
    assertThat(r.totals().kernelInstances()).isEqualTo(1441);
    // the graph spans land in the decode_cudagraph phase
    var phase = r.phases().phases().stream().filter(p -> p.phase().equals("decode_cudagraph")).findFirst().orElseThrow();
    assertThat(phase.graphLaunchSpanNs()).isEqualTo(g.graphLaunchSpanNs());
  }

  @Test
  void bothModesAgreeOnTheCategoriesOfTheSameWorkload() {
    NsysReport node = NsysReferenceTest.analyze("node").report();
    assertThat(node.categories()).extracting(CategoryTotal::category)
        .contains("gemm", "attention", "activation", "sampling", "memcpy/memset", "other");
    assertThat(node.kernels()).filteredOn(k -> k.name().startsWith("nvjet_")).allMatch(k -> k.category().equals("gemm"));
    assertThat(node.kernels()).filteredOn(k -> k.name().contains("sdpa")).allMatch(k -> k.category().equals("attention"));
    assertThat(node.kernels()).filteredOn(k -> k.name().contains("silu_kernel")).allMatch(k -> k.category().equals("activation"));
    assertThat(node.kernels()).filteredOn(k -> k.name().contains("SoftMax") || k.name().contains("ArgMax"))
        .hasSize(2).allMatch(k -> k.category().equals("sampling"));
  }

  @Test
  void sourceDescribesTheExport() {
    NsysReport.Source s = NsysReferenceTest.analyze("node").report().source();
    assertThat(s.exporterVersion()).isEqualTo("2025.3.2.0");
    assertThat(s.schemaVersion()).isEqualTo("3.20.3");
    assertThat(s.gpus()).singleElement().satisfies(g -> {
      assertThat(g.name()).isEqualTo("NVIDIA H200");
      assertThat(g.smCount()).isEqualTo(132L);
      assertThat(g.memoryBandwidthBytesPerSec()).isEqualTo(4_814_304_000_000L);
    });
  }
}
