package dev.profilemate.profile;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command that ends by itself (a version check, an export), with a time limit. */
final class ShortCommand {
  private ShortCommand() {}

  /** exit -1: could not start; -2: timed out (killed). {@code output} is stdout+stderr, or stderr only when stdout went to a file. */
  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }

    /** The last non-blank line of the output, for one-line messages. */
    String lastLine() {
      String[] lines = output.strip().split("\\R");
      for (int i = lines.length - 1; i >= 0; i--) {
        if (!lines[i].isBlank()) {
          return lines[i].strip();
        }
      }
      return "";
    }
  }

  static Result run(List<String> cmd, Map<String, String> env, long timeoutS) {
    return run(cmd, env, timeoutS, null);
  }

  /** With {@code stdoutTo} set, stdout goes to that file and only stderr is captured. */
  static Result run(List<String> cmd, Map<String, String> env, long timeoutS, Path stdoutTo) {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Path captured = null;
    try {
      captured = Files.createTempFile("profilemate-cmd", ".log");
      if (stdoutTo != null) {
        pb.redirectOutput(stdoutTo.toFile());
        pb.redirectError(captured.toFile());
      } else {
        pb.redirectErrorStream(true);
        pb.redirectOutput(captured.toFile());
      }
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        return new Result(-1, "cannot run " + cmd.get(0) + ": " + e.getMessage());
      }
      boolean done = p.waitFor(timeoutS, TimeUnit.SECONDS);
      if (!done) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      String out = Files.readString(captured, StandardCharsets.UTF_8);
      return new Result(done ? p.exitValue() : -2, done ? out : out + "\n(timed out after " + timeoutS + " s)");
    } catch (IOException e) {
      return new Result(-1, "cannot run " + cmd.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-2, "interrupted");
    } finally {
      if (captured != null) {
        try {
          Files.deleteIfExists(captured);
        } catch (IOException e) {
          // a temp file left behind is harmless
        }
      }
    }
  }
}
