package dev.profilemate.profile;

import dev.profilemate.TestPaths;
import dev.profilemate.kernel.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * STAND-INS for the programs a profile run uses, for tests on a machine without a GPU, Nsight or
 * vLLM: shell scripts named python, nvidia-smi, nsys and ncu in a folder put first on PATH. The
 * python one answers the preflight's import and runs {@code standin_vllm_server.py} (a stand-in
 * server, not vLLM) under the real python3; nsys and ncu run the server they are given and leave
 * real Nsight outputs (the committed fixtures) where the real tools would write theirs.
 */
final class StandInTools {
  final Path bin;
  final Path record;

  private StandInTools(Path bin, Path record) {
    this.bin = bin;
    this.record = record;
  }

  /** The real python3's executable, or null when there is none (tests that need it are skipped). */
  static String realPython() {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty() ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  static StandInTools create(Path root, boolean gpu, boolean nsys, boolean ncu) throws IOException {
    Path bin = Files.createDirectories(root.resolve("bin"));
    Path record = Files.createDirectories(root.resolve("record"));
    Path server = TestPaths.repoRoot().resolve("engine/src/test/resources/profile/standin_vllm_server.py");
    String py = realPython();
    script(bin.resolve("python"), """
        # STAND-IN for the python that has vLLM (tests only)
        for a in "$@"; do case "$a" in *"import vllm"*) echo "PROFILEMATE_VLLM_VERSION=0.0.0+standin"; exit 0;; esac; done
        exec '%s' '%s' "$@"
        """.formatted(py, server));
    if (gpu) {
      script(bin.resolve("nvidia-smi"), "# STAND-IN for nvidia-smi (tests only)\necho 'NVIDIA H200 (stand-in)'\n");
    }
    if (nsys) {
      script(bin.resolve("nsys"), """
          # STAND-IN for nsys (tests only): profile runs the server and leaves a placeholder report;
          # export copies a real nsys SQLite export (the committed fixture)
          case "$1" in
            --version) echo "NVIDIA Nsight Systems version 2025.3.1.0 (stand-in)"; exit 0;;
            profile) printf '%%s\\n' "$@" > '%1$s/nsys_args.txt'; shift; out=""
              while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; -*) shift;; *) break;; esac; done
              "$@"; rc=$?
              echo "stand-in nsys: writing $out.nsys-rep"; echo placeholder > "$out.nsys-rep"; exit $rc;;
            export) out=""; while [ $# -gt 0 ]; do case "$1" in --output) out="$2"; shift 2;; *) shift;; esac; done
              cp '%2$s' "$out"; exit 0;;
          esac
          exit 1
          """.formatted(record, Fixtures.nsysNode().toAbsolutePath()));
    }
    if (ncu) {
      script(bin.resolve("ncu"), """
          # STAND-IN for ncu (tests only): runs the server, leaves a placeholder report; --import prints a real ncu CSV (fixture)
          case "$1" in
            --version) printf 'NVIDIA (R) Nsight Compute Command Line Profiler\\nVersion 2025.3.1.0 (stand-in)\\n'; exit 0;;
            --import) cat '%2$s'; exit 0;;
          esac
          printf '%%s\\n' "$@" > '%1$s/ncu_args.txt'
          exp=""
          while [ $# -gt 0 ] && [ "$1" != "--force-overwrite" ]; do [ "$1" = "--export" ] && exp="$2"; shift; done
          shift
          "$@"; rc=$?
          echo placeholder > "$exp.ncu-rep"; exit $rc
          """.formatted(record, Fixtures.path("ncu/tinyllama_h200_ncu2025.3_first45_raw.csv").toAbsolutePath()));
    }
    return new StandInTools(bin, record);
  }

  private static void script(Path p, String body) throws IOException {
    Files.writeString(p, "#!/bin/sh\n" + body, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** A toolchain whose PATH is the stand-ins first (then the system folders, for sh, cp, cat). */
  Toolchain toolchain(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("STANDIN_RECORD_DIR", record.toString());
    env.put("STANDIN_SESSION_FIXTURE", TestPaths.spoolFixtures().resolve("session_golden").toString());
    env.putAll(extraEnv);
    return new Toolchain(bin + ":/usr/bin:/bin", bin.resolve("python").toString(), TestPaths.repoRoot(), env);
  }
}
