package dev.profilemate.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.TestPaths;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The small pieces of the profile run: --vllm-args words, the server command line, the ncu kernel filter. */
class ProfilePartsTest {
  @Test
  void vllmArgsSplitLikeAShell() {
    assertThat(ShellWords.split("")).isEmpty();
    assertThat(ShellWords.split("  --max-model-len 4096   --enforce-eager ")).containsExactly("--max-model-len", "4096", "--enforce-eager");
    assertThat(ShellWords.split("--profiler-config '{\"profiler\": \"cuda\"}' --x=\"a b\" c\\ d"))
        .containsExactly("--profiler-config", "{\"profiler\": \"cuda\"}", "--x=a b", "c d");
    assertThat(ShellWords.split("\"say \\\"hi\\\" \\$HOME\"")).containsExactly("say \"hi\" $HOME");
    assertThat(ShellWords.split("''")).containsExactly("");
    assertThatThrownBy(() -> ShellWords.split("'open")).hasMessageContaining("unterminated '");
    assertThatThrownBy(() -> ShellWords.split("\"open")).hasMessageContaining("unterminated \"");
  }

  @Test
  void serverCommandLineRespectsTheUsersHostPortAndServedName() {
    VllmLaunch plain = new VllmLaunch("/py", "org/model", List.of("--max-model-len", "4096"), 8123);
    assertThat(plain.command(List.of())).containsExactly("/py", "-m", "vllm.entrypoints.openai.api_server", "--model", "org/model",
        "--host", "127.0.0.1", "--port", "8123", "--max-model-len", "4096");
    assertThat(plain.baseUrl()).hasToString("http://127.0.0.1:8123");
    assertThat(plain.servedModelName()).isEqualTo("org/model");

    VllmLaunch custom = new VllmLaunch("/py", "org/model", List.of("--port=9000", "--host", "0.0.0.0", "--served-model-name", "short"), 8123);
    assertThat(custom.command(List.of("--x"))).containsExactly("/py", "-m", "vllm.entrypoints.openai.api_server", "--model", "org/model",
        "--port=9000", "--host", "0.0.0.0", "--served-model-name", "short", "--x");
    assertThat(custom.baseUrl()).hasToString("http://127.0.0.1:9000");
    assertThat(custom.servedModelName()).isEqualTo("short");
    assertThat(new VllmLaunch("/py", "m", List.of("--host", "::1"), 1).baseUrl()).hasToString("http://[::1]:1");
  }

  @Test
  void ncuProfilesTheTopKernelsOfTheNsysPassByFunctionName() throws Exception {
    Path golden = TestPaths.repoRoot().resolve("engine/src/test/resources/golden/nsys-node.json");
    List<String> top = NcuPass.topKernels(golden, 3);
    assertThat(top).hasSize(3).contains("elementwise_kernel").allSatisfy(n -> assertThat(n).doesNotContain("::", "<", "(", " "));
    assertThat(NcuPass.topKernels(golden, 1000)).doesNotHaveDuplicates().noneMatch(n -> n.startsWith("["));
    assertThat(NcuPass.regex(List.of("a_kernel", "op<1>", "x.y"))).isEqualTo("(a_kernel|op<1>|x\\.y)");
    List<String> cmd = NcuPass.command(Path.of("/ncu"), Path.of("/out"), List.of("k1", "k2"), 50, List.of("/py", "-m", "x"));
    assertThat(cmd).containsSubsequence("/ncu", "--target-processes", "all", "--profile-from-start", "off",
        "--kernel-name-base", "function", "--kernel-name", "regex:(k1|k2)", "--launch-count", "50",
        "--export", "/out/ncu/kernels", "--force-overwrite", "/py", "-m", "x");
    assertThat(NcuPass.command(Path.of("/ncu"), Path.of("/out"), List.of(), 50, List.of("/py"))).doesNotContain("--kernel-name");
    assertThat(NcuPass.serverArgs(new VllmLaunch("/py", "m", List.of(), 1))).containsExactly("--profiler-config", "{\"profiler\":\"cuda\"}");
    assertThat(NcuPass.serverArgs(new VllmLaunch("/py", "m", List.of("--profiler-config", "{}"), 1))).isEmpty();
  }

  @Test
  void nsysRunsTheServerWithCudaAndNvtxTracesAndGraphNodes() {
    List<String> cmd = NsysPass.command(Path.of("/nsys"), Path.of("/out"), List.of("/py", "-m", "x"));
    assertThat(cmd).startsWith("/nsys", "profile", "--trace=cuda,nvtx", "--cuda-graph-trace=node")
        .containsSubsequence("-o", "/out/trace", "/py", "-m", "x").endsWith("/py", "-m", "x");
  }
}
