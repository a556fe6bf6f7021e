package dev.profilemate.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.kernel.Fixtures;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code profilemate profile} through the CLI on this machine: preflight first, argument errors exit 2. */
class ProfileCommandTest {
  static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void preflightOnThisMachineNamesWhatIsMissingAndStartsNothing() throws Exception {
    // this machine has no GPU, nsys or ncu; the test says so rather than pass vacuously elsewhere
    org.junit.jupiter.api.Assumptions.assumeFalse(onPath("nvidia-smi") || onPath("nsys") || onPath("ncu"),
        "a machine with nvidia-smi, nsys or ncu is not the no-GPU machine this test describes");
    Path out = Fixtures.outDir("profile-preflight").resolve("results");
    Fixtures.Run run = Fixtures.cli("profile", "--model", "facebook/opt-125m", "--mode", "full", "--output-dir", out.toString());
    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
    assertThat(run.err())
        .contains("preflight for --mode full:")
        .contains("MISSING  NVIDIA GPU  nvidia-smi is not on PATH")
        .contains("MISSING  nsys", "MISSING  ncu");
    List<String> lines = run.err().strip().lines().toList();
    String last = lines.get(lines.size() - 1);
    assertThat(last).startsWith("profile: cannot start: missing ").endsWith("NVIDIA GPU, nsys, ncu (nothing was started)");
    // vLLM is named too exactly when the python it would use cannot import it
    assertThat(last.contains("vLLM")).isEqualTo(run.err().contains("MISSING  vLLM"));
    assertThat(run.out()).doesNotContain("starting vLLM");
    assertThat(out).doesNotExist();
  }

  @Test
  void moeModeDoesNotAskForNsightUnlessWithNcu() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(onPath("nvidia-smi") || onPath("nsys") || onPath("ncu"), "no-GPU machine only");
    Path out = Fixtures.outDir("profile-preflight-moe").resolve("results");
    Fixtures.Run moe = Fixtures.cli("profile", "--model", "m", "--mode", "moe", "--output-dir", out.toString());
    assertThat(moe.exit()).isEqualTo(1);
    assertThat(moe.err()).contains("MISSING  NVIDIA GPU").doesNotContain("nsys").doesNotContain("ncu");
    Fixtures.Run withNcu = Fixtures.cli("profile", "--model", "m", "--mode", "moe", "--with-ncu", "--output-dir", out.toString());
    assertThat(withNcu.err()).contains("MISSING  ncu", "needed by --with-ncu").doesNotContain("nsys");
  }

  @Test
  void aNonEmptyOutputDirIsRefusedBeforeAnythingElse() throws Exception {
    Path out = Fixtures.outDir("profile-nonempty");
    Files.writeString(out.resolve("old.txt"), "x");
    Fixtures.Run run = Fixtures.cli("profile", "--model", "m", "--output-dir", out.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err().strip()).isEqualTo("profile: " + out.toAbsolutePath().normalize() + " is not empty; pick another --output-dir (results are never mixed)");
  }

  @Test
  void argumentErrorsExit2() {
    String[][] bad = {
      {"profile"},
      {"profile", "--model"},
      {"profile", "--model", "m", "--mode", "fast"},
      {"profile", "--model", "m", "--vllm-args", "--max-model-len 'oops"},
      {"profile", "--model", "m", "--vllm-args", "--model other"},
      {"profile", "--model", "m", "--vllm-args", "--port abc"},
      {"profile", "--model", "m", "--request-rate", "5", "--max-concurrency", "4"},
      {"profile", "--model", "m", "--prompt-len", "uniform:9-3"},
      {"profile", "--model", "m", "--num-prompts", "0"},
      {"profile", "--model", "m", "--port", "70000"},
      {"profile", "--model", "m", "--top-kernels", "0"},
      {"profile", "--model", "m", "--no-such-option"},
    };
    for (String[] args : bad) {
      Fixtures.Run run = Fixtures.cli(args);
      assertThat(run.exit()).as(String.join(" ", args) + "\n" + run.err()).isEqualTo(2);
    }
  }
}
