package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.common.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The progress line: only on a terminal (the launcher's -Dprofilemate.stderrTty), erased when done. */
class ProgressTest {
  @AfterEach
  void clear() {
    System.clearProperty("profilemate.stderrTty");
    System.clearProperty("profilemate.progress");
    System.clearProperty("profilemate.progressDelayMs");
  }

  private static String run() throws InterruptedException {
    System.setProperty("profilemate.progressDelayMs", "0");
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try (Progress p = Progress.start("export")) {
      p.phase("reading session_a");
      p.count(131072, "records");
      Thread.sleep(700);
    } finally {
      System.setErr(saved);
    }
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void onATerminalAPhaseAndCountLineIsShownThenErased() throws Exception {
    System.setProperty("profilemate.stderrTty", "1");
    String err = run();
    assertThat(err).contains("\r\033[Kexport: reading session_a, 131,072 records (0 s)").endsWith("\r\033[K");
  }

  @Test
  void silentWhenStderrIsNotATerminalOrWhenTurnedOff() throws Exception {
    assertThat(run()).isEmpty();
    System.setProperty("profilemate.stderrTty", "1");
    System.setProperty("profilemate.progress", "0");
    assertThat(run()).isEmpty();
  }

  @Test
  void aQuickStepPrintsNothing() throws Exception {
    System.setProperty("profilemate.stderrTty", "1");
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try (Progress p = Progress.start("report")) {
      p.phase("analysing");
    } finally {
      System.setErr(saved);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
