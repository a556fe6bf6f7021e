package dev.profilemate.kernel.kineto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.kernel.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Bad input to {@code profilemate trace}: one line naming the file and the problem, exit 1. */
class TraceCommandTest {
  @Test
  void truncatedGzipIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("trace-truncated").resolve("truncated.pt.trace.json.gz");
    byte[] all = Files.readAllBytes(KinetoAnalyzerTest.TINYLLAMA);
    Files.write(f, Arrays.copyOf(all, all.length / 2));
    Fixtures.Run run = Fixtures.cli("trace", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "truncated or corrupt gzip");
  }

  @Test
  void malformedJsonIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("trace-malformed").resolve("malformed.json");
    Files.writeString(f, "{\"traceEvents\": [{\"ph\": \"X\", \"cat\": \"kernel\", \"ts\": 1,, }]}");
    Fixtures.Run run = Fixtures.cli("trace", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "malformed JSON at line 1");
  }

  @Test
  void jsonThatIsNotATraceIsOneLineAndExit1() throws Exception {
    Path f = Fixtures.outDir("trace-nottrace").resolve("config.json");
    Files.writeString(f, "{\"model\": \"llama\", \"layers\": [1, 2]}");
    Fixtures.Run run = Fixtures.cli("trace", f.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).hasLineCount(1).contains(f.toString(), "no traceEvents");
  }

  @Test
  void missingFileIsOneLineAndExit1() {
    Fixtures.Run run = Fixtures.cli("trace", "/nonexistent/trace.json.gz");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err().strip()).isEqualTo("trace: /nonexistent/trace.json.gz: no such file; give a .json or .json.gz trace file from the PyTorch profiler");
  }

  @Test
  void cpuOnlyTraceSaysSoAndExits0() {
    Fixtures.Run run = Fixtures.cli("trace", Fixtures.path("kineto/hta_cpu_only.pt.trace.json.gz").toString());
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("No GPU kernels");
  }

  /** A SYNTHETIC trace, written event by event, with kernels out of time order and the probe's phase annotations. */
  @Test
  void syntheticTraceWithProbeAnnotationsOutOfOrder() throws Exception {
    StringBuilder sb = new StringBuilder("{\"schemaVersion\": 1, \"traceEvents\": [\n");
    sb.append("{\"ph\":\"X\",\"cat\":\"gpu_user_annotation\",\"name\":\"profilemate:decode\",\"pid\":0,\"tid\":7,\"ts\":200.0,\"dur\":100.0},\n");
    sb.append("{\"ph\":\"X\",\"cat\":\"gpu_user_annotation\",\"name\":\"profilemate:prefill\",\"pid\":0,\"tid\":7,\"ts\":0.0,\"dur\":150.0},\n");
    sb.append("{\"ph\":\"X\",\"cat\":\"Kernel\",\"name\":\"void vllm::rms_norm_kernel<float>(float*)\",\"pid\":0,\"tid\":7,\"ts\":210.5,\"dur\":10.25,\"args\":{\"correlation\":3}},\n");
    sb.append("{\"ph\":\"X\",\"cat\":\"kernel\",\"name\":\"flash_fwd_kernel\",\"pid\":0,\"tid\":7,\"ts\":10.0,\"dur\":100.0,\"args\":{\"correlation\":1}},\n");
    sb.append("{\"ph\":\"X\",\"cat\":\"kernel\",\"name\":\"nvjet_sm90_tst_64x8\",\"pid\":0,\"tid\":7,\"ts\":400.0,\"dur\":5.0,\"args\":{\"correlation\":9}}\n");
    sb.append("]}\n");
    Path f = Fixtures.outDir("trace-synthetic").resolve("synthetic.pt.trace.json.gz");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
    Files.write(f, bytes.toByteArray());
    TraceReport r = KinetoAnalyzerTest.analyze(f);
    assertThat(r.phases().source()).isEqualTo("profilemate-annotation");
    assertThat(r.phases().phases()).extracting(p -> p.phase() + "=" + p.kernelNs())
        .containsExactly("prefill=100000", "decode=10250", "(unattributed)=5000");
    assertThat(r.idle().get(0).busyNs()).isEqualTo(100_000 + 10_250 + 5_000);
    assertThat(r.idle().get(0).gapCount()).isEqualTo(2);
  }
}
