package dev.profilemate.cli;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.common.Versions;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.IVersionProvider;

/**
 * --version: each version read from where it is declared, never a second copy: the release and
 * the spool formats the engine reads from versions.properties packed into the jar
 * ({@link Versions}), the probe's from the versions.properties beside the probe this engine
 * uses (it can be another copy, e.g. an older wheel's), the record schema from records.json
 * (bundled), and vLLM's from the configured Python's package metadata, without importing vllm
 * (a 30 ms Python start instead of seconds of torch).
 */
final class VersionInfo implements IVersionProvider {
  private static final String VLLM_VERSION =
      "import importlib.metadata as m\ntry: print(m.version('vllm'))\nexcept m.PackageNotFoundError: print('')";

  @Override
  public String[] getVersion() {
    List<String> lines = new ArrayList<>();
    lines.add("profilemate " + Versions.RELEASE);
    lines.add("  probe:        " + probeVersion());
    lines.add("  spool format: engine reads " + Versions.spoolRange() + ", record schema "
        + RecordSchema.bundled().version());
    lines.add("  vLLM:         " + vllmVersion());
    return lines.toArray(String[]::new);
  }

  /** The release and spool format of the probe beside this engine, from its versions.properties. */
  static String probeVersion() {
    Path file = PythonEnv.probeDir().resolve("profilemate_probe/versions.properties");
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      p.load(in);
    } catch (IOException e) {
      return "not found (looked for " + file + ")";
    }
    String release = p.getProperty("release");
    String spool = p.getProperty("spool");
    if (release == null || spool == null) {
      return "release or spool not declared in " + file;
    }
    return release + ", writes spool format " + spool + " (" + PythonEnv.probeDir() + ")";
  }

  /** vLLM's version in the configured Python, or why there is none; at most 5 s. */
  static String vllmVersion() {
    String python = PythonEnv.python();
    try {
      // -I: no PYTHONPATH, no user site, so neither the probe's sitecustomize nor anything else runs
      Process p = new ProcessBuilder(python, "-I", "-c", VLLM_VERSION).redirectErrorStream(true).start();
      p.getOutputStream().close();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "unknown (" + python + " took over 5 s)";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        return "unknown (" + python + " failed)";
      }
      return out.isEmpty() ? "not installed in " + python : out + " (" + python + ")";
    } catch (IOException e) {
      return "unknown (cannot run " + python + "; set PROFILEMATE_PYTHON)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown (interrupted)";
    }
  }
}
