package dev.profilemate.cli;

import dev.profilemate.common.UserDataException;
import dev.profilemate.otlp.OtlpExport;
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

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "serve live Prometheus metrics on http://BIND:PORT/metrics (default 0: off)")
  int metricsPort;

  @Option(names = "--metrics-bind", paramLabel = "ADDR",
      description = "address /metrics listens on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface)")
  String metricsBind = "127.0.0.1";

  @Option(names = "--metrics-linger", paramLabel = "SEC",
      description = "keep serving the final values this long after vLLM exits, for a last scrape (default: ${DEFAULT-VALUE})")
  double metricsLinger = 0;

  @Option(names = "--metrics-moe-experts",
      description = "also serve one series per MoE layer and expert (layers x experts series; default: per layer only)")
  boolean metricsMoeExperts;

  @Option(names = "--max-cpu-share",
      description = "share of one core the refreshes may take: a long session's refresh waits longer (default: ${DEFAULT-VALUE})")
  double maxCpuShare = 0.1;

  @Option(names = "--otlp", paramLabel = "ENDPOINT", defaultValue = "${env:VLLM_PROFILING_OTLP_ENDPOINT}",
      description = "after each refresh, send the spans of requests finished since the last send and the step "
          + "metrics to this OTLP/HTTP endpoint (default: $VLLM_PROFILING_OTLP_ENDPOINT; none when unset)")
  String otlp;

  @picocli.CommandLine.Mixin CaptureOptions capture = new CaptureOptions();

  /** The OTLP sender, when --otlp names an endpoint. */
  private OtlpExport.Live otlpLive;

  /** The /metrics server, when --metrics-port is not 0. */
  private dev.profilemate.live.LiveMetrics live;

  /** Triggered captures (null: every rule off); fed after each refresh. */
  private dev.profilemate.capture.CaptureKeeper captures;

  @Override
  public Integer call() throws Exception {
    if (otlp != null && !otlp.isBlank()) {
      otlpLive = new OtlpExport.Live(session, ExportCommand.endpoint(spec, otlp));
    }
    try (var keeper = capture.open(spec, session)) {
      captures = keeper;
      return follow();
    } finally {
      if (otlpLive != null) {
        otlpLive.close();
      }
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
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--metrics-port must be 0 (off) or a TCP port up to 65535, not " + metricsPort);
    }
    live = metricsPort == 0 ? null
        : dev.profilemate.live.LiveMetrics.start(metricsBind, metricsPort, metricsMoeExperts, System.err).orElse(null);
    try {
      return follow(deadline);
    } finally {
      if (live != null) {
        live.close();
      }
    }
  }

  private int follow(long deadline) throws Exception {
    long lastStamp = -1;
    while (true) {
      boolean alive = anyAlive();
      long stamp = spoolStamp();
      long took = 0;
      if (stamp != lastStamp && stamp != 0) {
        long t0 = System.nanoTime();
        try {
          refresh(false);
          publish(false);
          lastStamp = stamp;
          sendOtlp();
          keepCaptures(false);
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
    int code = finalExport();
    if (live != null && code != ExitCodes.BAD_INPUT) {
      Thread.sleep((long) (metricsLinger * 1e3));
    }
    return code;
  }

  /**
   * One refresh of the session files. It reads only what the spools gained since the last one
   * (LiveExport; a restarted collector goes on from its checkpoint), the live metrics and the OTLP
   * sender fed along and checkpointed with the files' aggregators (CollectTaps).
   */
  private dev.profilemate.export.SessionExporter.Result refresh(boolean last) {
    if (incremental == null) {
      taps = CollectTaps.of(live, otlpLive);
      incremental = new dev.profilemate.export.LiveExport(session, dev.profilemate.spool.RecordSchema.bundled(),
          capture.rules(spec), System.err, taps, taps == null ? "live metrics" : taps.name());
    }
    if (taps != null) {
      taps.over(last);
    }
    try {
      return incremental.refresh(last, exited);
    } catch (IOException | java.io.UncheckedIOException e) {
      String msg = e instanceof java.io.UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
      throw new UserDataException(msg, e);
    }
  }

  /** The incremental refreshes. */
  private dev.profilemate.export.LiveExport incremental;

  /** What rides on them (null: neither /metrics nor --otlp). */
  private CollectTaps taps;

  /** Pids of profiled processes seen exited (before the refresh that follows): their spools are whole. */
  private java.util.Set<Long> exited = java.util.Set.of();

  private void publish(boolean finished) {
    if (live != null && !(incremental != null && incremental.tapFailed())) {
      live.publish(finished);
    }
  }

  /**
   * The wait before the next refresh. A refresh reads only the new spool bytes, but one that must
   * read the session whole (a damaged session, a checkpoint it cannot use) grows with the session;
   * beside a CPU-bound vLLM the collector keeps to maxCpuShare of one core.
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
    try {
      pids.addAll(dev.profilemate.session.LiveSession.pids(session, dev.profilemate.spool.RecordSchema.bundled()));
    } catch (IOException | RuntimeException e) {
      // no readable spool yet: only the starting pid counts
    }
    java.util.Set<Long> gone = new java.util.HashSet<>();
    boolean any = false;
    for (long p : pids) {
      boolean up = ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false);
      any |= up;
      if (!up) {
        gone.add(p);
      }
    }
    exited = gone;
    return any;
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

  /**
   * Sends what finished since the last send; a refused send is one line, and those spans are not
   * sent again (otlp_sent.json moved past them first), so nothing reaches the endpoint twice.
   */
  private void sendOtlp() {
    if (otlpLive == null) {
      return;
    }
    if (incremental != null && incremental.tapFailed()) {
      otlpLive.skipped(); // LiveExport said so in one line; the next refresh reads from the start
      return;
    }
    try {
      var sent = otlpLive.afterRefresh();
      if (sent.failure() != null) {
        System.err.println("collect: otlp: " + sent.failure() + "; " + sent.requests() + " requests' spans and "
            + sent.steps() + " steps not sent");
      }
    } catch (java.io.IOException | RuntimeException e) {
      System.err.println("collect: otlp: " + e.getMessage() + " (will retry)");
    }
  }

  private void keepCaptures(boolean last) {
    if (captures != null) {
      captures.afterRefresh(last);
    }
  }

  /** The last export after the processes have gone; an error here is reported, not retried. */
  private int finalExport() {
    try {
      var r = refresh(true);
      publish(true);
      sendOtlp();
      keepCaptures(true);
      r.dropped().forEach(d -> System.err.println("warning: " + d.describe()));
      return r.partial() ? ExitCodes.PARTIAL : ExitCodes.OK;
    } catch (UserDataException e) {
      System.err.println("collect: final export failed: " + e.getMessage()
          + "; no vLLM process under the probe wrote here (was VLLM_ENABLE_PROFILING=1 set, and did vLLM start?)");
      return ExitCodes.BAD_INPUT;
    }
  }
}
