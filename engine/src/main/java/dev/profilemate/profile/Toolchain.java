package dev.profilemate.profile;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the profile run finds its programs: the PATH it searches (nsys, ncu, nvidia-smi), the
 * Python that runs vLLM, the repository (for probe/), and the environment children start from.
 */
public record Toolchain(String path, String python, Path repoHome, Map<String, String> baseEnv) {

  public static Toolchain fromEnvironment(String python, Path repoHome) {
    return new Toolchain(System.getenv().getOrDefault("PATH", ""), python, repoHome, Map.copyOf(System.getenv()));
  }

  public Optional<Path> which(String name) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  public Path probeDir() {
    return repoHome.resolve("probe");
  }

  /** The environment of a child: the base one, our PATH, the probe first on PYTHONPATH, then the extras. */
  public Map<String, String> childEnv(Map<String, String> extra) {
    Map<String, String> env = new LinkedHashMap<>(baseEnv);
    env.put("PATH", path);
    String pp = baseEnv.get("PYTHONPATH");
    env.put("PYTHONPATH", probeDir() + (pp == null || pp.isBlank() ? "" : File.pathSeparator + pp));
    env.putAll(extra);
    return env;
  }
}
