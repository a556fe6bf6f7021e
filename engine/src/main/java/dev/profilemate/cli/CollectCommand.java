package dev.profilemate.cli;

import dev.profilemate.common.UserDataException;
import dev.profilemate.session.SessionReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The sidecar the probe starts beside vLLM: rewrites the session files while spools grow and
 * finalises them once every profiled process has exited. The exit status is the final export's
 * (see {@link ExitCodes}): 1 when it failed (e.g. no spool at all), 3 when it skipped damaged data.
 */
@Command(name = "collect", description = "Keep a live session's files up to date until its vLLM processes exit.")
final class CollectCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SESSION",
      description = "the session_* folder the probe made (its raw/ may still be empty)")
  Path session;

  @Option(names = "--pid", description = "the process that started the session (default: wait for spool pids)")
  long pid = -1;

  @Option(names = "--interval", description = "seconds between refreshes (default: ${DEFAULT-VALUE})")
  double interval = 5.0;

  @Option(names = "--max-wait", description = "give up waiting after this many seconds (0 = never)")
  double maxWait = 0;

  @Option(names = "--max-cpu-share",
      description = "share of one core the refreshes may take: a long session's refresh waits longer (default: ${DEFAULT-VALUE})")
  double maxCpuShare = 0.1;

  @picocli.CommandLine.Mixin CaptureOptions capture = new CaptureOptions();

  /** Triggered captures (null: every rule off); fed after each refresh. */
  private dev.profilemate.capture.CaptureKeeper captures;

  @Override
  public Integer call() throws Exception {
    try (var keeper = capture.open(spec, session)) {
      captures = keeper;
      return follow();
    }
  }

  private int follow() throws Exception {
    long deadline = maxWait > 0 ? System.nanoTime() + (long) (maxWait * 1e9) : Long.MAX_VALUE;
    if (!(maxCpuShare > 0 && maxCpuShare <= 1)) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--max-cpu-share must be in (0, 1], not " + maxCpuShare);
    }
    dev.profilemate.common.InputPaths.folder(session, "the session_* folder the probe made");
    String many = dev.profilemate.common.InputPaths.holdsSessions(session);
    if (many != null) {
      throw new UserDataException(many + " (collect follows one live session)");
    }
    long lastStamp = -1;
    while (true) {
      boolean alive = anyAlive();
      long stamp = spoolStamp();
      long took = 0;
      if (stamp != lastStamp && stamp != 0) {
        long t0 = System.nanoTime();
        try {
          ExportCommand.run(session, session, false, capture.rules(spec));
          lastStamp = stamp;
          afterRefresh(false);
        } catch (UserDataException e) {
          System.err.println("collect: " + e.getMessage() + " (will retry)");
        }
        took = System.nanoTime() - t0;
      }
      if (!alive || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(nextWait(interval, took, maxCpuShare));
    }
    return finalExport();
  }

  /**
   * The wait before the next refresh. Each refresh re-reads the whole session, so it grows with
   * the session; beside a CPU-bound vLLM the collector keeps to maxCpuShare of one core.
   */
  static Duration nextWait(double intervalSec, long lastRefreshNanos, double maxCpuShare) {
    long floor = (long) (intervalSec * 1e9);
    long share = (long) (lastRefreshNanos * (1 / maxCpuShare - 1));
    return Duration.ofNanos(Math.max(floor, share));
  }

  private boolean anyAlive() {
    List<Long> pids = new ArrayList<>();
    if (pid > 0) {
      pids.add(pid);
    }
    try (SessionReader r = SessionReader.open(session, dev.profilemate.spool.RecordSchema.bundled())) {
      r.processes().forEach(p -> pids.add(p.pid()));
    } catch (IOException | RuntimeException e) {
      // no readable spool yet: only the starting pid counts
    }
    return pids.stream().anyMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
  }

  private long spoolStamp() throws IOException {
    Path raw = session.resolve(SessionReader.RAW);
    if (!Files.isDirectory(raw)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(raw)) {
      return s.mapToLong(
              p -> {
                try {
                  return Files.size(p) * 31 + Files.getLastModifiedTime(p).toMillis();
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  private void afterRefresh(boolean last) {
    if (captures != null) {
      captures.afterRefresh(last);
    }
  }

  /** The last export after the processes have gone; an error here is reported, not retried. */
  private int finalExport() {
    try {
      var r = ExportCommand.run(session, session, false, capture.rules(spec));
      afterRefresh(true);
      r.dropped().forEach(d -> System.err.println("warning: " + d.describe()));
      return r.partial() ? ExitCodes.PARTIAL : ExitCodes.OK;
    } catch (UserDataException e) {
      System.err.println("collect: final export failed: " + e.getMessage()
          + "; no vLLM process under the probe wrote here (was VLLM_ENABLE_PROFILING=1 set, and did vLLM start?)");
      return ExitCodes.BAD_INPUT;
    }
  }
}
