package dev.profilemate.report;

import dev.profilemate.common.Num;
import dev.profilemate.kernel.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The kernel sections' figures on the real fixtures: they add up, and the rules read them as documented. */
class KernelAnalysisTest {

  private static Report report(KernelInputs in) {
    return Report.of(TestSessions.GOLDEN, null, in);
  }

  private static KernelTimeline timeline(KernelInputs in) {
    return report(in).analyses().kernels().timelines().get(0);
  }

  private static Recommendation rec(Report r, String topic) {
    return r.recommendations().stream().filter(x -> x.topic().equals(topic)).findFirst().orElseThrow();
  }

  @Test
  void timelineFiguresAddUp() {
    for (KernelInputs in : List.of(new KernelInputs(KernelInputFiles.nsysNode(), null, null),
        new KernelInputs(KernelInputFiles.nsysGraph(), null, null), new KernelInputs(null, null, KernelInputFiles.trace()))) {
      KernelTimeline t = timeline(in);
      assertThat(t.categories().stream().mapToDouble(KernelTimeline.Category::ms).sum())
          .isCloseTo(t.kernelMs() + t.memoryOpMs(), within(1e-6));
      assertThat(t.categories().stream().filter(c -> !Double.isNaN(c.kernelTimePct()))
          .mapToDouble(KernelTimeline.Category::kernelTimePct).sum()).isCloseTo(100, within(1e-6));
      assertThat(t.phases().phases().stream().mapToDouble(KernelPhases.Phase::kernelMs).sum())
          .isCloseTo(t.kernelMs(), within(1e-6));
      assertThat(t.topKernels()).hasSize(KernelTimeline.TOP_KERNELS);
      assertThat(t.topKernels()).isSortedAccordingTo((a, b) -> Double.compare(b.totalMs(), a.totalMs()));
      GpuIdle i = t.idle();
      assertThat(i.busyMs() + i.idleMs()).isCloseTo(i.spanMs(), within(1e-6));
      assertThat(i.idlePctWithoutLongGaps())
          .isCloseTo(100 * (i.idleMs() - i.longGapMs()) / (i.spanMs() - i.longGapMs()), within(1e-9));
      assertThat(i.devices().get(0).largestGaps()).hasSizeLessThanOrEqualTo(GpuIdle.SHOWN_GAPS)
          .isSortedAccordingTo((a, b) -> Double.compare(b.ms(), a.ms()));
    }
  }

  @Test
  void graphShareSplitsKernelTimeInNodeModeAndAddsSpansInGraphMode() {
    GraphShare node = timeline(new KernelInputs(KernelInputFiles.nsysNode(), null, null)).graphs();
    KernelTimeline nodeT = timeline(new KernelInputs(KernelInputFiles.nsysNode(), null, null));
    assertThat(node.method()).isEqualTo("graph-node-kernels");
    assertThat(node.graphMs() + node.eagerKernelMs()).isCloseTo(nodeT.kernelMs(), within(1e-6));
    assertThat(node.sharePct()).isCloseTo(100 * node.graphMs() / nodeT.kernelMs(), within(0.01));
    KernelTimeline graphT = timeline(new KernelInputs(KernelInputFiles.nsysGraph(), null, null));
    GraphShare graph = graphT.graphs();
    assertThat(graph.method()).isEqualTo("graph-launch-spans");
    assertThat(graph.eagerKernelMs()).isCloseTo(graphT.kernelMs(), within(1e-6));
    assertThat(graph.sharePct()).isCloseTo(100 * graph.graphMs() / (graph.graphMs() + graphT.kernelMs()), within(0.01));
    // per-phase graph share only where spans are recorded
    assertThat(nodeT.phases().phases()).allSatisfy(p -> assertThat(p.graphSharePct()).isNaN());
    KernelPhases.Phase cudagraph = graphT.phases().phases().stream().filter(p -> p.phase().equals("decode_cudagraph"))
        .findFirst().orElseThrow();
    assertThat(cudagraph.graphSharePct()).isGreaterThan(90);
  }

  @Test
  void decodeGraphCoverageRuleUsesTheDecodePhasesWhenSpansAreRecorded() {
    Report r = report(new KernelInputs(KernelInputFiles.nsysGraph(), null, null));
    Recommendation g = rec(r, "CUDA-graph coverage (nsys)");
    // decode_eager and decode_cudagraph together: about half their GPU time in graph launches
    assertThat(g.verdict()).isEqualTo("act");
    assertThat(g.evidence()).anySatisfy(e -> assertThat(e.label()).contains("decode_eager, decode_cudagraph"));
    assertThat(g.action()).contains("cudagraph_capture_sizes");
    Report node = report(new KernelInputs(KernelInputFiles.nsysNode(), null, null));
    assertThat(rec(node, "CUDA-graph coverage (nsys)").verdict()).as("whole-trace share only").isEqualTo("watch");
  }

  @Test
  void traceWithoutGraphLaunchesSaysEveryStepRanEagerly() {
    Report r = report(new KernelInputs(null, null, Fixtures.path("kineto/hta_triton_example_a100.json.gz")));
    KernelTimeline t = r.analyses().kernels().timelines().get(0);
    assertThat(t.graphs().none()).isTrue();
    assertThat(rec(r, "CUDA-graph coverage (trace)").verdict()).isEqualTo("act");
    assertThat(rec(r, "CUDA-graph coverage (trace)").finding()).contains("ran eagerly");
  }

  @Test
  void idleRuleLeavesLongGapsOutAndStatesTheNumbers() {
    Report r = report(new KernelInputs(KernelInputFiles.nsysNode(), null, null));
    Recommendation idle = rec(r, "GPU idle time (nsys)");
    GpuIdle i = r.analyses().kernels().timelines().get(0).idle();
    assertThat(i.longGaps()).isPositive();
    assertThat(i.idlePctWithoutLongGaps()).isLessThan(i.idlePct()).isGreaterThan(TimelineRecommendations.IDLE_ACT_PCT);
    assertThat(idle.verdict()).isEqualTo("act");
    assertThat(idle.finding()).contains(Num.pct(i.idlePctWithoutLongGaps())).contains("CPU");
    assertThat(idle.evidence()).extracting(Recommendation.Evidence::label)
        .contains("idle between operations", "idle share without those gaps", "gaps of 10 ms or more (pauses, start-up)");
  }

  @Test
  void rooflinePlacesOnlyKernelsWithKnownIntensityAndCountsTheRest() {
    RooflineAnalysis r = report(new KernelInputs(null, KernelInputFiles.ncuAll(), null)).analyses().kernels().roofline();
    assertThat(r.status().recorded()).isTrue();
    assertThat(r.launches()).isEqualTo(565);
    assertThat(r.roofline()).allSatisfy(p -> {
      assertThat(p.flopPerByte()).isPositive();
      assertThat(p.gflops()).isPositive();
    });
    assertThat(r.roofline().size() + r.tensorCoreKernels() + r.kernelsWithoutFlops()).isEqualTo(r.kernelNames());
    assertThat(r.memorySide() + r.computeSide()).isEqualTo(r.roofline().size());
    assertThat(r.topKernels()).hasSize(RooflineAnalysis.TOP_KERNELS)
        .filteredOn(RooflineAnalysis.Kernel::tensorCores).allSatisfy(k -> assertThat(k.gflops()).isNull());
    assertThat(r.byBound().stream().mapToLong(RooflineAnalysis.Bound::launches).sum()).isEqualTo(565);
    assertThat(r.gemms().kernels()).isPositive();
    assertThat(r.gemms().memoryBoundPct() + r.gemms().latencyBoundPct() + r.gemms().computeBoundPct())
        .isCloseTo(100, within(1e-6));
    assertThat(r.gpu().peakTable()).isEqualTo("H200 SXM");
  }

  @Test
  void gpuOptionOverridesTheNcuDeviceForPeaks() {
    RooflineAnalysis r = Report.of(TestSessions.GOLDEN, "H100-SXM", new KernelInputs(null, KernelInputFiles.ncuRaw(), null))
        .analyses().kernels().roofline();
    assertThat(r.gpu().peakTable()).isEqualTo("H100 SXM");
    assertThat(r.gpu().dramGbps()).isEqualTo(3350.0);
  }

  @Test
  void cpuOnlyTraceHasNoKernelChartsAndNoKernelRules() {
    Report r = report(new KernelInputs(null, null, Fixtures.path("kineto/hta_cpu_only.pt.trace.json.gz")));
    KernelTimeline t = r.analyses().kernels().timelines().get(0);
    assertThat(t.kernelInstances()).isZero();
    assertThat(t.idle().recorded()).isFalse();
    assertThat(r.recommendations()).noneMatch(x -> x.topic().endsWith("(trace)"));
    String html = HtmlReport.render(r);
    assertThat(html).contains("No GPU kernels or memory operations in this trace.").doesNotContain("data-chart=\"kernel_");
  }
}
