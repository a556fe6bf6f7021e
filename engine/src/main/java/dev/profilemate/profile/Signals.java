package dev.profilemate.profile;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** POSIX signals by pid. Java itself only sends SIGTERM (destroy) and SIGKILL (destroyForcibly). */
final class Signals {
  private Signals() {}

  /** Sends {@code signal} (INT, TERM, KILL) to {@code pid}; false if it could not be sent (e.g. already gone). */
  static boolean send(long pid, String signal) {
    try {
      Process p = new ProcessBuilder(List.of("/bin/sh", "-c", "kill -s " + signal + " " + pid))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
