package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session whose metadata says it ran on the CPU with CUDA graphs off: no recommendation reads
 * the GPU data it could not record (capture sizes, CPU overhead against GPU time, MFU), and the
 * page says once which GPU sections were not recorded and why, instead of showing 0 ms.
 */
class CpuOnlySessionTest {

  static BuiltSession cpuSession(String device, String cudagraphMode) {
    BuiltSession b = new BuiltSession();
    b.engine().put("max_num_seqs", 8).put("max_num_batched_tokens", 256).put("cudagraph_mode", cudagraphMode);
    if (device != null) {
      b.engine().put("device", device);
    }
    for (int i = 0; i < 30; i++) {
      double t = 1 + 0.01 * i;
      b.step(t, 2, 8, i % 5 == 0 ? 200 : 2, 256, i % 5 == 0 ? 198 : 0, 0).kv(t, 50)
          .cpu(t, "scheduling", 0.5).cpu(t + 0.001, "update_from_output", 0.2);
    }
    return b.request("r1", 1.0, 1.0, 1.01, 1.2, 198, 20);
  }

  @Test
  void noRecommendationReadsGpuDataACpuRunCannotHave(@TempDir Path tmp) throws IOException {
    Report r = Report.of(cpuSession("cpu", "NONE").write(tmp.resolve("session_cpu")), null);
    assertThat(r.recommendations()).extracting(Recommendation::topic)
        .doesNotContain("CUDA graph capture sizes", "CPU overhead", "GPU efficiency (estimated)")
        .contains("KV cache size", "max_num_seqs");
    assertThat(r.recommendations()).allSatisfy(x -> assertThat(x.action() + x.finding())
        .doesNotContain("cudagraph_capture_sizes"));
    assertThat(r.analyses().steps().status().reason()).isEqualTo(
        "the session ran on the CPU (no CUDA): there is no GPU forward time to record");
    assertThat(r.analyses().graphs().status().reason()).startsWith("off in this session (cudagraph_mode NONE, CPU");
    assertThat(r.analyses().graphs().captureSizes().recommended()).isNull();
  }

  /** On the CPU backend --gpu-memory-utilization does nothing: the KV advice names VLLM_CPU_KVCACHE_SPACE. */
  @Test
  void kvAdviceNamesTheCpuBackendsKnob(@TempDir Path tmp) throws IOException {
    BuiltSession full = cpuSession("cpu", "NONE");
    for (int i = 0; i < 30; i++) {
      full.kv(2 + 0.01 * i, 97);
    }
    Report cpu = Report.of(full.write(tmp.resolve("session_cpu")), null);
    assertThat(cpu.recommendations()).filteredOn(x -> x.topic().equals("KV cache size")).singleElement()
        .satisfies(x -> assertThat(x.action()).contains("VLLM_CPU_KVCACHE_SPACE").doesNotContain("--gpu-memory-utilization"));
    BuiltSession gpu = cpuSession("cuda", "FULL_AND_PIECEWISE");
    for (int i = 0; i < 30; i++) {
      gpu.kv(2 + 0.01 * i, 97);
    }
    Report onGpu = Report.of(gpu.write(tmp.resolve("session_gpu")), null);
    assertThat(onGpu.recommendations()).filteredOn(x -> x.topic().equals("KV cache size")).singleElement()
        .satisfies(x -> assertThat(x.action()).contains("--gpu-memory-utilization").doesNotContain("VLLM_CPU"));
  }

  @Test
  void thePageSaysWhichGpuSectionsWereNotRecordedAndWhy(@TempDir Path tmp) throws IOException {
    Report r = Report.of(cpuSession("cpu", "NONE").write(tmp.resolve("session_cpu")), null);
    assertThat(r.session().gpuSectionsNotRecorded()).containsExactly(
        "GPU forward time: not recorded — the session ran on the CPU (no CUDA)",
        "CUDA graphs: off in this session (cudagraph_mode NONE, CPU)",
        "MFU and memory bandwidth: not estimated — they need GPU forward time");
    String html = HtmlReport.render(r);
    assertThat(html).contains("GPU forward time: not recorded — the session ran on the CPU (no CUDA)")
        .doesNotContain("of GPU forward time (") // "CPU work … against 0 ms of GPU forward time"
        .doesNotContain("Capture sizes for this traffic");
  }

  @Test
  void anEagerGpuSessionGetsNoCaptureSizeAdviceEither(@TempDir Path tmp) throws IOException {
    Report r = Report.of(cpuSession("cuda", "CUDAGraphMode.NONE").write(tmp.resolve("session_eager")), null);
    assertThat(r.recommendations()).extracting(Recommendation::topic).doesNotContain("CUDA graph capture sizes");
    assertThat(r.session().gpuSectionsNotRecorded()).contains("CUDA graphs: off in this session (cudagraph_mode NONE)");
    // forward timing was on a GPU: its empty file is the profiler's, not the device's
    assertThat(r.analyses().steps().status().reason()).doesNotContain("CPU");
  }

  @Test
  void aSessionThatDoesNotSayItsDeviceStillGetsCaptureSizesFromItsBatches(@TempDir Path tmp) throws IOException {
    BuiltSession b = cpuSession(null, "FULL_AND_PIECEWISE");
    Report r = Report.of(b.write(tmp.resolve("session_unknown")), null);
    assertThat(r.recommendations()).extracting(Recommendation::topic).contains("CUDA graph capture sizes");
    assertThat(r.session().gpuSectionsNotRecorded()).isEmpty();
  }
}
