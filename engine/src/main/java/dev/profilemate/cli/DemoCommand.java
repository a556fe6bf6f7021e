package dev.profilemate.cli;

import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default: vLLM's real scheduler and KV cache manager on the CPU under the probe
 * (demo/run_demo.py), then the session files (and the report, where built).
 */
@Command(name = "demo", description = "Profile a built-in workload on the real vLLM scheduler (CPU) and write a session.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--out", paramLabel = "DIR", description = "where sessions go (default: ${DEFAULT-VALUE})")
  Path out = Path.of("profilemate-demo");

  /** The demo's latency variants (demo/run_demo.py VARIANTS), each built so one cause dominates. */
  enum Variant { queue, prefill, preemption }

  @Option(names = "--variant", paramLabel = "NAME",
      description = "instead of the mixed workload, one built so that one cause dominates latency "
          + "(docs/latency.md): ${COMPLETION-CANDIDATES}")
  Variant variant;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new UserDataException("--out " + out + " is a file, not a folder; give a folder for the sessions (made when absent)");
    }
    ensureVllm();
    dev.profilemate.common.PrivateFiles.folder(out);
    Path script = PythonEnv.home().resolve("demo/run_demo.py");
    PythonEnv.Result r;
    try (dev.profilemate.common.Progress progress = dev.profilemate.common.Progress.start("demo")) {
      progress.phase("running the workload on vLLM (CPU)");
      r = PythonEnv.run(
            variant == null ? List.of(script.toString()) : List.of(script.toString(), "--variant", variant.name()),
            Map.of("VLLM_PROFILING_DIR", out.toAbsolutePath().toString(), "PROFILEMATE_SIDECAR", "0",
                "HF_HUB_OFFLINE", "1", "TRANSFORMERS_OFFLINE", "1"),
            false, true);
    }
    if (r.exitCode() != 0) {
      throw new UserDataException("the demo workload failed under " + PythonEnv.python() + " (exit " + r.exitCode() + ")");
    }
    Path session = newestSession(out);
    var result = ExportCommand.run(session, session); // shows its own progress
    System.out.printf("demo session: %s (%d records, %d processes)%n", session, result.records(), result.processes());
    Reports.writeIfAvailable(session);
    return 0;
  }

  private static void ensureVllm() throws IOException, InterruptedException {
    if (!PythonEnv.python().equals("python3")) {
      return;
    }
    Path setup = PythonEnv.home().resolve("scripts/setup_vllm.sh");
    System.err.println("demo: installing the pinned vLLM from PyPI into a cached venv (first run only)...");
    Process p = new ProcessBuilder("bash", setup.toString()).inheritIO().redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (p.waitFor() != 0) {
      throw new UserDataException("could not install vLLM with " + setup + "; set PROFILEMATE_PYTHON to a Python with vLLM");
    }
  }

  static Path newestSession(Path dir) {
    List<Path> sessions = dev.profilemate.common.InputPaths.sessionsIn(dir); // oldest first
    if (sessions.isEmpty()) {
      throw new UserDataException(dir + ": the demo wrote no session_* folder");
    }
    return sessions.getLast();
  }

}
