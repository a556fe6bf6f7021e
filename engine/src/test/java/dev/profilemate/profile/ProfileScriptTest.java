package dev.profilemate.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.kernel.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** scripts/profile_vllm.sh hands every argument, unchanged, to `profilemate profile`, and its exit status back. */
class ProfileScriptTest {
  record Result(int exit, List<String> args) {}

  static Result runScript(int fakeExit, String... args) throws Exception {
    Path dir = Fixtures.outDir("profile-script-" + fakeExit);
    Path fake = dir.resolve("fake-profilemate");
    Path seen = dir.resolve("args.txt");
    // a stand-in launcher: records its arguments one per line (NUL-safe enough for these) and exits as told
    Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + seen + "'\nexit " + fakeExit + "\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> cmd = new ArrayList<>(List.of("bash", TestPaths.repoRoot().resolve("scripts/profile_vllm.sh").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("PROFILEMATE", fake.toString());
    Process p = pb.start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), Files.readAllLines(seen, StandardCharsets.UTF_8));
  }

  @Test
  void argumentsPassThroughUnchanged() throws Exception {
    Result r = runScript(0, "--model", "meta-llama/Llama-2-7b-hf", "--mode", "full", "--with-ncu", "--output-dir", "/tmp/out dir",
        "--vllm-args", "--max-model-len 4096 --served-model-name 'my model'", "--num-prompts", "50");
    assertThat(r.exit()).isZero();
    assertThat(r.args()).containsExactly("profile", "--model", "meta-llama/Llama-2-7b-hf", "--mode", "full", "--with-ncu",
        "--output-dir", "/tmp/out dir", "--vllm-args", "--max-model-len 4096 --served-model-name 'my model'", "--num-prompts", "50");
  }

  @Test
  void theExitStatusComesBack() throws Exception {
    assertThat(runScript(1, "--model", "m").exit()).isEqualTo(1);
    Result noArgs = runScript(2);
    assertThat(noArgs.exit()).isEqualTo(2);
    assertThat(noArgs.args()).containsExactly("profile");
  }

  @Test
  void theScriptIsExecutable() {
    assertThat(Files.isExecutable(TestPaths.repoRoot().resolve("scripts/profile_vllm.sh"))).isTrue();
  }
}
