package dev.profilemate.cli;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.IVersionProvider;

/**
 * --version: each version read from where it is declared, never a second copy: the engine's
 * from engine/pom.xml (filtered into version.properties), the spool format the probe writes
 * from probe/profilemate_probe/spool.py, the record schema from records.json (bundled), and
 * vLLM's from the configured Python's package metadata, without importing vllm (a 30 ms
 * Python start instead of seconds of torch).
 */
final class VersionInfo implements IVersionProvider {
  private static final Pattern PROBE_FORMAT = Pattern.compile("(?m)^MAJOR, MINOR = (\\d+), (\\d+)");
  private static final String VLLM_VERSION =
      "import importlib.metadata as m\ntry: print(m.version('vllm'))\nexcept m.PackageNotFoundError: print('')";

  @Override
  public String[] getVersion() {
    List<String> lines = new ArrayList<>();
    lines.add("profilemate " + engineVersion());
    lines.add("  probe:        " + probeVersion());
    lines.add("  spool format: engine reads " + SpoolReader.FORMAT_MAJOR + ".x, record schema "
        + RecordSchema.bundled().version());
    lines.add("  vLLM:         " + vllmVersion());
    return lines.toArray(String[]::new);
  }

  static String engineVersion() {
    try (InputStream in = VersionInfo.class.getResourceAsStream("/profilemate/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("engine", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The spool format the probe beside this engine writes, from its spool.py. */
  static String probeVersion() {
    Path spool = PythonEnv.probeDir().resolve("profilemate_probe/spool.py");
    try {
      Matcher m = PROBE_FORMAT.matcher(Files.readString(spool));
      if (m.find()) {
        return "writes spool format " + m.group(1) + "." + m.group(2) + " (" + PythonEnv.probeDir() + ")";
      }
      return "spool format not declared in " + spool;
    } catch (IOException e) {
      return "not found (looked for " + spool + ")";
    }
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
