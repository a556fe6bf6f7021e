package dev.profilemate.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.kernel.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Preflight with stand-in tools on a PATH the test controls: each missing piece is named. */
class PreflightTest {
  static Toolchain onlyOnPath(Path bin, String python) {
    return new Toolchain(bin.toString(), python, TestPaths.repoRoot(), Map.of("PATH", bin.toString()));
  }

  @Test
  void nothingThereNamesEveryPieceForFull() throws Exception {
    Path empty = Fixtures.outDir("preflight-empty");
    Preflight.Report r = new Preflight(onlyOnPath(empty, empty.resolve("no-python").toString())).run(ProfileMode.FULL, false);
    assertThat(r.ok()).isFalse();
    assertThat(r.missing()).extracting(Preflight.Check::piece).containsExactly("vLLM", "NVIDIA GPU", "nsys", "ncu");
    assertThat(r.render())
        .contains("MISSING  vLLM", "not importable by " + empty.resolve("no-python"), "scripts/setup_vllm.sh")
        .contains("MISSING  NVIDIA GPU  nvidia-smi is not on PATH")
        .contains("MISSING  nsys", "not on PATH (Nsight Systems; needed by --mode full)")
        .contains("MISSING  ncu", "not on PATH (Nsight Compute; needed by --mode full)");
  }

  @Test
  void quickNeedsNsysButNotNcuAndMoeNeedsNeither() throws Exception {
    StandInTools t = StandInTools.create(Fixtures.outDir("preflight-quick"), true, true, false);
    Toolchain tc = onlyOnPath(t.bin, t.bin.resolve("python").toString());
    Preflight.Report quick = new Preflight(tc).run(ProfileMode.QUICK, false);
    assertThat(quick.ok()).as(quick.render()).isTrue();
    assertThat(quick.vllmVersion()).isEqualTo("0.0.0+standin");
    assertThat(quick.gpuName()).isEqualTo("NVIDIA H200 (stand-in)");
    assertThat(quick.render()).contains("ok       nsys", "2025.3.1.0 (stand-in)");

    Preflight.Report withNcu = new Preflight(tc).run(ProfileMode.QUICK, true);
    assertThat(withNcu.missing()).extracting(Preflight.Check::piece).containsExactly("ncu");
    assertThat(withNcu.render()).contains("needed by --with-ncu");

    Files.delete(t.bin.resolve("nsys"));
    Preflight.Report moe = new Preflight(tc).run(ProfileMode.MOE, false);
    assertThat(moe.ok()).isTrue();
    assertThat(moe.checks()).extracting(Preflight.Check::piece).containsExactly("vLLM", "NVIDIA GPU");
  }

  @Test
  void aDriverThatCannotTalkToTheGpuIsNamedWithNvidiaSmisWords() throws Exception {
    StandInTools t = StandInTools.create(Fixtures.outDir("preflight-driver"), false, false, false);
    Path smi = t.bin.resolve("nvidia-smi");
    Files.writeString(smi, "#!/bin/sh\necho \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\nexit 9\n");
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    Preflight.Report r = new Preflight(onlyOnPath(t.bin, t.bin.resolve("python").toString())).run(ProfileMode.MOE, false);
    assertThat(r.missing()).extracting(Preflight.Check::detail)
        .containsExactly("nvidia-smi failed (NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.)");
  }

  @Test
  void aPythonWithoutVllmIsNamedWithItsError() throws Exception {
    String py = StandInTools.realPython();
    org.junit.jupiter.api.Assumptions.assumeTrue(py != null, "needs python3");
    Path bin = Fixtures.outDir("preflight-novllm");
    Preflight.Check c = new Preflight(new Toolchain(bin.toString(), py, bin, Map.of("PYTHONPATH", bin.toString()))).vllm();
    assertThat(c.ok()).isFalse();
    assertThat(c.detail()).contains("No module named 'vllm'");
  }
}
