package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo's stderr loses exactly the foreign notices a real demo run printed, nothing of ours and no error. */
class ForeignWarningsTest {
  /** A real `profilemate demo` stderr on vLLM 0.33.0 / torch 2.14 (CPU), with lines that must stay. */
  private static final String STDERR = """
      [sitecustomize] vLLM Comprehensive Instrumentation Loaded (profilers: kv_cache, scheduler; session: /tmp/d/session_1)
      W1205 17:12:00.334000 32536 torch/_opaque_base.py:6] torch._opaque_base is deprecated, use torch._custom_class_base instead
      W1205 17:12:00.335000 32536 torch/_library/opaque_object.py:288] register_opaque_type is deprecated, use register_custom_class instead
      W1205 17:12:00.335000 32536 torch/_library/opaque_object.py:211] typ='value' is deprecated, use typ='constant' instead
      FlashInfer kernels are disabled: flashinfer-cubin is not installed and nvcc (CUDA_HOME, CUDA_PATH, PATH or /usr/local/cuda) or ninja (PATH) is missing. Set CUDA_HOME to a CUDA toolkit and put ninja on PATH, or run `vllm download-kernels`.
      Failed to import from vllm._C: ModuleNotFoundError("No module named 'vllm._C'")
      WARNING 12-05 17:12:00 [cpu.py:671] Failed to import from vllm._C: ModuleNotFoundError("No module named 'vllm._C'")
      [profilemate] scheduler: Scheduler.schedule raised ValueError; profiler disabled
      E1205 17:12:01.000000 32536 torch/distributed/x.py:1] something failed
      W1205 17:12:01.000000 32536 torch/cuda/__init__.py:9] CUDA initialization: no driver
      Traceback (most recent call last):
        File "demo/run_demo.py", line 3, in <module>
      RuntimeError: Failed to import from vllm._C would be wrapped here
      """;

  @Test
  void onlyTheKnownForeignNoticesAreDropped() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread t = ForeignWarnings.pump(new ByteArrayInputStream(STDERR.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(t).satisfies(th -> th.join());
    String kept = out.toString(StandardCharsets.UTF_8);
    assertThat(kept).doesNotContain("is deprecated").doesNotContain("FlashInfer")
        .doesNotContain("Failed to import from vllm._C: ModuleNotFoundError");
    assertThat(kept.lines()).containsExactly(
        "[sitecustomize] vLLM Comprehensive Instrumentation Loaded (profilers: kv_cache, scheduler; session: /tmp/d/session_1)",
        "[profilemate] scheduler: Scheduler.schedule raised ValueError; profiler disabled",
        "E1205 17:12:01.000000 32536 torch/distributed/x.py:1] something failed",
        "W1205 17:12:01.000000 32536 torch/cuda/__init__.py:9] CUDA initialization: no driver",
        "Traceback (most recent call last):",
        "  File \"demo/run_demo.py\", line 3, in <module>",
        "RuntimeError: Failed to import from vllm._C would be wrapped here");
  }
}
