package dev.profilemate.cli;

import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the repository (probe/, scripts/, demo/) and the Python that has vLLM installed. Installed
 * from the wheel, the `profilemate` command sets PROFILEMATE_HOME to the files the wheel carries in
 * the repository's layout (demo/, probe/tests/vllm_testbed.py) and PROFILEMATE_PYTHON to its own
 * Python; the probe there is a site-packages package, attached through vLLM's plugin loader.
 */
final class PythonEnv {
  private PythonEnv() {}

  static Path home() {
    String h = System.getenv("PROFILEMATE_HOME");
    if (h != null) {
      return Path.of(h);
    }
    try {
      Path jar = Path.of(PythonEnv.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return jar.getParent().getParent().getParent(); // engine/target/x.jar -> repo
    } catch (Exception e) {
      return Path.of(".").toAbsolutePath();
    }
  }

  static Path probeDir() {
    return home().resolve("probe");
  }

  /** $PROFILEMATE_PYTHON, else the cached venv of the pinned vLLM that scripts/setup_vllm.sh makes. */
  static String python() {
    String p = System.getenv("PROFILEMATE_PYTHON");
    if (p != null && !p.isBlank()) {
      return p;
    }
    try {
      String version = Files.readString(home().resolve("scripts/vllm-version")).trim();
      String cache = System.getenv().getOrDefault("PROFILEMATE_CACHE", System.getProperty("user.home") + "/.cache/profilemate");
      Path venv = Path.of(cache, "venv-vllm-" + version, "bin", "python");
      if (Files.isExecutable(venv)) {
        return venv.toString();
      }
    } catch (IOException e) {
      // fall through to the system python
    }
    return "python3";
  }

  /**
   * Runs python with the probe on PYTHONPATH (a checkout, where probe/sitecustomize.py attaches it);
   * stdout is captured, stderr passes through.
   */
  static Result run(List<String> args, Map<String, String> env, boolean captureOut) throws IOException, InterruptedException {
    return run(args, env, captureOut, false);
  }

  /** As above; quiet: other packages' notices the user cannot act on are left out of stderr (ForeignWarnings). */
  static Result run(List<String> args, Map<String, String> env, boolean captureOut, boolean quiet)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(python());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    String pp = System.getenv("PYTHONPATH");
    if (Files.isRegularFile(probeDir().resolve("sitecustomize.py"))) {
      pb.environment().put("PYTHONPATH", probeDir() + (pp == null || pp.isBlank() ? "" : ":" + pp));
    } // else an installed wheel: the probe is in site-packages and attaches as a vLLM plugin
    pb.environment().putAll(env);
    pb.redirectError(quiet ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.INHERIT);
    if (!captureOut) {
      pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
    }
    Process proc;
    try {
      proc = pb.start();
    } catch (IOException e) {
      throw new UserDataException("cannot run " + cmd.get(0) + ": " + e.getMessage()
          + " (set PROFILEMATE_PYTHON, or run scripts/setup_vllm.sh)");
    }
    Thread err = quiet ? ForeignWarnings.pump(proc.getErrorStream(), System.err) : null;
    String out = captureOut ? new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) : "";
    int code = proc.waitFor();
    if (err != null) {
      err.join(); // every line the child wrote is out before the demo's own
    }
    return new Result(code, out);
  }

  record Result(int exitCode, String stdout) {}
}
