package dev.profilemate.kernel.nsys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.kernel.Fixtures;
import dev.profilemate.kernel.IdleGapTracker;
import dev.profilemate.kernel.PhaseBreakdown;
import dev.profilemate.kernel.category.CategoryRules;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Cases no real export has, on SYNTHETIC files built to the documented schema (see {@link SyntheticNsys}). */
class NsysSyntheticTest {
  static SyntheticNsys probeSteps() {
    SyntheticNsys s = new SyntheticNsys();
    s.range(1_000, 2_000, "profilemate:prefill");
    s.range(3_000, 4_000, "profilemate:decode");
    s.range(3_100, 3_500, "attention_block"); // nested inside decode
    s.range(5_000, 6_000, "profilemate:mixed");
    s.kernel(1_100, 10_000, 10_500, 0, "void flash_fwd_kernel<Flash_fwd_kernel_traits<128, 64>>(Flash_fwd_params)");
    s.kernel(1_200, 10_600, 11_000, 0, "nvjet_sm90_tst_64x8_64x16_4x1_v_bz_TNT");
    s.kernel(3_200, 11_100, 11_300, 0, "void vllm::rms_norm_kernel<c10::BFloat16, 8>(c10::BFloat16 *, int)");
    s.kernel(3_600, 12_000, 12_400, 0, "nvjet_sm90_tst_64x8_64x16_4x1_v_bz_TNT");
    s.kernel(5_100, 13_000, 13_100, 1, "void vllm::act_and_mul_kernel<c10::BFloat16, silu>(c10::BFloat16 *, int)");
    s.kernel(7_000, 14_000, 14_050, 0, "ncclDevKernel_AllReduce_Sum_bf16_RING_LL(ncclDevComm *, unsigned long, ncclWork *)");
    s.memcpy.add(new long[] {9_000, 9_900, 0, 999, 1, 4096});
    return s;
  }

  static NsysReport analyze(Path f) {
    return new NsysAnalyzer(CategoryRules.defaults(), 5).analyze(f).report();
  }

  @Test
  void probePhaseRangesSplitKernelTimeByPhase() throws Exception {
    Path f = probeSteps().write(Fixtures.outDir("nsys-synthetic-probe").resolve("synthetic_probe.sqlite"));
    NsysReport r = analyze(f);
    assertThat(r.phases().source()).isEqualTo("profilemate-nvtx");
    Map<String, PhaseBreakdown.Phase> p = r.phases().phases().stream()
        .collect(Collectors.toMap(PhaseBreakdown.Phase::phase, Function.identity()));
    assertThat(p.keySet()).containsExactlyInAnyOrder("prefill", "decode", "mixed", "(unattributed)");
    assertThat(p.get("prefill").kernelNs()).isEqualTo(500 + 400);
    assertThat(p.get("prefill").ranges()).isEqualTo(1);
    assertThat(p.get("prefill").wallNs()).isEqualTo(11_000 - 10_000);
    // the kernel launched in the nested range still counts for its decode step
    assertThat(p.get("decode").kernelNs()).isEqualTo(200 + 400);
    assertThat(p.get("decode").ranges()).isEqualTo(1);
    assertThat(p.get("decode").categories()).extracting(PhaseBreakdown.CategoryNs::category).containsExactly("gemm", "norm");
    assertThat(p.get("mixed").kernelNs()).isEqualTo(100);
    assertThat(p.get("(unattributed)").kernelNs()).isEqualTo(50);
    assertThat(r.nvtxRanges()).extracting(NsysReport.NvtxRangeSummary::name)
        .contains("profilemate:prefill", "attention_block");
  }

  @Test
  void rowsOutOfStartOrderGiveTheSameResult() throws Exception {
    SyntheticNsys sorted = probeSteps();
    SyntheticNsys shuffled = probeSteps();
    Collections.reverse(shuffled.kernels);
    Collections.reverse(shuffled.runtime);
    NsysReport a = analyze(sorted.write(Fixtures.outDir("nsys-synthetic-sorted").resolve("synthetic_sorted.sqlite")));
    NsysReport b = analyze(shuffled.write(Fixtures.outDir("nsys-synthetic-shuffled").resolve("synthetic_shuffled.sqlite")));
    assertThat(b.kernels()).isEqualTo(a.kernels());
    assertThat(b.idle()).isEqualTo(a.idle());
    assertThat(b.phases()).isEqualTo(a.phases());
    assertThat(b.categories()).isEqualTo(a.categories());
  }

  @Test
  void everyReadingStrategyAgreesOnTheRealExports() {
    for (Path f : java.util.List.of(Fixtures.nsysNode(), Fixtures.nsysGraph())) {
      NsysAnalyzer.Result reference = withProperty("profilemate.nsys.reader", "jdbc",
          () -> withProperty("profilemate.nsys.threads", "1", () -> new NsysAnalyzer(CategoryRules.defaults(), 10).analyze(f)));
      NsysAnalyzer.Result scannerConcurrent = new NsysAnalyzer(CategoryRules.defaults(), 10).analyze(f);
      NsysAnalyzer.Result scannerSingle = withProperty("profilemate.nsys.threads", "1",
          () -> new NsysAnalyzer(CategoryRules.defaults(), 10).analyze(f));
      NsysAnalyzer.Result jdbcConcurrent = withProperty("profilemate.nsys.reader", "jdbc",
          () -> new NsysAnalyzer(CategoryRules.defaults(), 10).analyze(f));
      assertThat(scannerConcurrent).isEqualTo(reference);
      assertThat(scannerSingle).isEqualTo(reference);
      assertThat(jdbcConcurrent).isEqualTo(reference);
    }
  }

  static <T> T withProperty(String key, String value, java.util.function.Supplier<T> body) {
    String old = System.getProperty(key);
    System.setProperty(key, value);
    try {
      return body.get();
    } finally {
      if (old == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, old);
      }
    }
  }

  @Test
  void idleGapsArePerDevice() throws Exception {
    NsysReport r = analyze(probeSteps().write(Fixtures.outDir("nsys-synthetic-idle").resolve("synthetic_idle.sqlite")));
    assertThat(r.idle()).extracting(IdleGapTracker.DeviceIdle::device).containsExactly(0, 1);
    IdleGapTracker.DeviceIdle d0 = r.idle().get(0);
    // device 0: memcpy 9000-9900, kernels 10000-10500, 10600-11000, 11100-11300, 12000-12400, 14000-14050
    assertThat(d0.firstStartNs()).isEqualTo(9_000);
    assertThat(d0.lastEndNs()).isEqualTo(14_050);
    assertThat(d0.busyNs()).isEqualTo(900 + 500 + 400 + 200 + 400 + 50);
    assertThat(d0.gapCount()).isEqualTo(5);
    assertThat(d0.idleNs()).isEqualTo(100 + 100 + 100 + 700 + 1_600);
    assertThat(d0.largestGaps().get(0)).satisfies(g -> {
      assertThat(g.durationNs()).isEqualTo(1_600);
      assertThat(g.startNs()).isEqualTo(12_400);
      assertThat(g.before()).isEqualTo("nvjet_sm90_tst_64x8_64x16_4x1_v_bz_TNT");
      assertThat(g.after()).startsWith("ncclDevKernel_AllReduce");
    });
    assertThat(d0.largestGaps()).hasSize(5);
    IdleGapTracker.DeviceIdle d1 = r.idle().get(1);
    assertThat(d1.gapCount()).isZero();
    assertThat(d1.busyNs()).isEqualTo(100);
  }

  @Test
  void categoriesOfVllmKernelNames() throws Exception {
    NsysReport r = analyze(probeSteps().write(Fixtures.outDir("nsys-synthetic-cats").resolve("synthetic_cats.sqlite")));
    Map<String, String> cat = r.kernels().stream()
        .collect(Collectors.toMap(k -> k.name().replaceAll("[<(].*", ""), k -> k.category()));
    assertThat(cat).containsEntry("void flash_fwd_kernel", "attention")
        .containsEntry("void vllm::rms_norm_kernel", "norm")
        .containsEntry("void vllm::act_and_mul_kernel", "activation")
        .containsEntry("ncclDevKernel_AllReduce_Sum_bf16_RING_LL", "communication")
        .containsEntry("nvjet_sm90_tst_64x8_64x16_4x1_v_bz_TNT", "gemm");
    assertThat(r.memoryOps()).singleElement().satisfies(m -> {
      assertThat(m.name()).isEqualTo("[CUDA memcpy Host-to-Device]");
      assertThat(m.bytes()).isEqualTo(4096);
    });
  }
}
