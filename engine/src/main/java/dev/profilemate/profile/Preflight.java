package dev.profilemate.profile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks, before anything long starts, that every piece a profile run needs is there: vLLM
 * importable by the Python that will run it, an NVIDIA GPU (nvidia-smi), nsys for quick/full,
 * ncu for full or --with-ncu. Every check runs, so one message names everything missing.
 */
public final class Preflight {
  private static final String MARK = "PROFILEMATE_VLLM_VERSION=";
  private final Toolchain tools;

  public Preflight(Toolchain tools) {
    this.tools = tools;
  }

  /** One piece: found (with what was found) or missing (with why and how to fix it). */
  public record Check(String piece, boolean ok, String detail) {}

  public record Report(List<Check> checks, String vllmVersion, String gpuName) {
    public List<Check> missing() {
      return checks.stream().filter(c -> !c.ok()).toList();
    }

    public boolean ok() {
      return missing().isEmpty();
    }

    public String render() {
      StringBuilder sb = new StringBuilder();
      for (Check c : checks) {
        sb.append(String.format("  %-8s %-11s %s%n", c.ok() ? "ok" : "MISSING", c.piece(), c.detail()));
      }
      return sb.toString();
    }
  }

  public Report run(ProfileMode mode, boolean withNcu) {
    List<Check> checks = new ArrayList<>();
    Check vllm = vllm();
    checks.add(vllm);
    Check gpu = gpu();
    checks.add(gpu);
    if (mode.usesNsys()) {
      checks.add(nsight("nsys", "Nsight Systems", "--mode " + mode.label()));
    }
    if (mode.usesNcu(withNcu)) {
      checks.add(nsight("ncu", "Nsight Compute", mode == ProfileMode.FULL ? "--mode full" : "--with-ncu"));
    }
    return new Report(List.copyOf(checks), vllm.ok() ? vllm.detail().split(" ")[0] : null, gpu.ok() ? gpu.detail() : null);
  }

  Check vllm() {
    ShortCommand.Result r = ShortCommand.run(
        List.of(tools.python(), "-c", "import vllm; print('" + MARK + "' + vllm.__version__)"),
        tools.childEnv(Map.of("VLLM_ENABLE_PROFILING", "0", "PROFILEMATE_SIDECAR", "0")), 300);
    Optional<String> version = r.output().lines().filter(l -> l.startsWith(MARK)).map(l -> l.substring(MARK.length()).strip()).findFirst();
    if (r.ok() && version.isPresent()) {
      return new Check("vLLM", true, version.get() + " (python: " + tools.python() + ")");
    }
    String why = r.exit() == -1 ? r.output() : r.lastLine();
    return new Check("vLLM", false, "not importable by " + tools.python() + " (" + why + ");"
        + " run scripts/setup_vllm.sh or set PROFILEMATE_PYTHON to the python that has vLLM");
  }

  Check gpu() {
    Optional<Path> smi = tools.which("nvidia-smi");
    if (smi.isEmpty()) {
      return new Check("NVIDIA GPU", false, "nvidia-smi is not on PATH (no NVIDIA driver on this machine?)");
    }
    ShortCommand.Result r = ShortCommand.run(
        List.of(smi.get().toString(), "--query-gpu=name", "--format=csv,noheader"), tools.childEnv(Map.of()), 60);
    if (!r.ok()) {
      return new Check("NVIDIA GPU", false, "nvidia-smi failed (" + r.lastLine() + ")");
    }
    List<String> names = r.output().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    if (names.isEmpty()) {
      return new Check("NVIDIA GPU", false, "nvidia-smi lists no GPU");
    }
    return new Check("NVIDIA GPU", true, names.size() == 1 ? names.get(0) : names.size() + "x " + names.get(0));
  }

  Check nsight(String tool, String product, String neededBy) {
    Optional<Path> p = tools.which(tool);
    if (p.isEmpty()) {
      return new Check(tool, false, "not on PATH (" + product + "; needed by " + neededBy + ")" + hint(tool));
    }
    ShortCommand.Result r = ShortCommand.run(List.of(p.get().toString(), "--version"), tools.childEnv(Map.of()), 120);
    if (!r.ok()) {
      return new Check(tool, false, p.get() + " --version failed (" + r.lastLine() + ")");
    }
    return new Check(tool, true, r.lastLine() + " (" + p.get() + ")");
  }

  /** Where an installed but unlisted copy sits, including the nsys that ships inside Nsight Compute. */
  private String hint(String tool) {
    List<Path> candidates = new ArrayList<>();
    candidates.add(Path.of("/usr/local/cuda/bin", tool));
    for (String root : List.of("/opt/nvidia/nsight-systems", "/opt/nvidia/nsight-compute", "/usr/local/cuda/nsight-compute")) {
      try (var dirs = Files.list(Path.of(root))) {
        dirs.sorted(java.util.Comparator.reverseOrder()).forEach(d -> {
          candidates.add(d.resolve("bin").resolve(tool));
          candidates.add(d.resolve(tool));
          candidates.add(d.resolve("host/target-linux-x64").resolve(tool));
        });
      } catch (Exception e) {
        // not installed there
      }
    }
    for (Path c : candidates) {
      if (Files.isRegularFile(c) && Files.isExecutable(c)) {
        String extra = c.toString().contains("nsight-compute") && tool.equals("nsys")
            ? " (the nsys bundled with Nsight Compute; see docs/profile.md for the libraries it needs)" : "";
        return "; found " + c + extra + ": add its folder to PATH";
      }
    }
    return "";
  }
}
