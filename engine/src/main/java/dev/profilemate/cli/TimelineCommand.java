package dev.profilemate.cli;

import dev.profilemate.common.Progress;
import dev.profilemate.common.UserDataException;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.timeline.SessionTimeline;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "timeline",
    description = "Write a Perfetto trace of a session (open it in ui.perfetto.dev): per process, scheduler steps, "
        + "requests, forward passes, CUDA graph replays and KV usage on one clock (docs/timeline.md).")
final class TimelineCommand implements Callable<Integer> {
  static final String FILE = "timeline.perfetto-trace";

  @Parameters(paramLabel = "SESSION", description = "the session_* folder (its raw/ spools are read; no export needed)")
  Path session;

  @Spec CommandSpec spec;

  @Option(names = "--out", paramLabel = "FILE", description = "where to write (default: SESSION/" + FILE + ")")
  Path out;

  @Option(names = "--from", paramLabel = "SEC", description = "draw from this many seconds after the session start")
  Double from;

  @Option(names = "--to", paramLabel = "SEC", description = "draw up to this many seconds after the session start")
  Double to;

  @Option(names = "--max-events", paramLabel = "N", defaultValue = "" + SessionTimeline.DEFAULT_MAX_EVENTS,
      description = "stop the trace after about N events (default: ${DEFAULT-VALUE}, about 60 MB); "
          + "it says where it stopped")
  long maxEvents;

  @Option(names = "--strict",
      description = "fail (exit 1, nothing written) at the first damaged part of a spool instead of skipping it")
  boolean strict;

  @Option(names = "--quiet", description = "no summary line")
  boolean quiet;

  @Override
  public Integer call() {
    if (from != null && to != null && to <= from || from != null && from < 0 || maxEvents < 1) {
      throw new ParameterException(spec.commandLine(),
          maxEvents < 1 ? "--max-events must be at least 1" : "--from/--to: give 0 <= from < to (seconds)");
    }
    SessionArgs.raw(session);
    Path file = out == null ? session.resolve(FILE) : out;
    SessionTimeline.Result r;
    try (Progress progress = Progress.start("timeline")) {
      progress.phase("reading " + session.getFileName());
      r = new SessionTimeline(RecordSchema.bundled(), strict).write(session, file, from, to, maxEvents, progress);
    } catch (IOException | java.io.UncheckedIOException e) {
      String msg = e instanceof java.io.UncheckedIOException u ? Errors.io(u.getCause()) : Errors.io((IOException) e);
      throw new UserDataException(msg, e);
    }
    r.warnings().forEach(w -> System.err.println("warning: " + w));
    if (!Double.isNaN(r.cutSec())) {
      System.err.printf(Locale.ROOT, "warning: stopped at %d events, %.3f s into the session; "
          + "--from %.3f draws the rest, --max-events raises the cap%n", r.events(), r.cutSec(), r.cutSec());
    }
    if (r.unfinishedLeftOut() > 0) {
      System.err.printf(Locale.ROOT, "note: %d requests that had not finished where the trace ends are left out "
          + "(the %d that started last are drawn up to its end)%n", r.unfinishedLeftOut(),
          dev.profilemate.timeline.SessionTimeline.MAX_UNFINISHED_DRAWN);
    }
    if (!quiet) {
      System.out.printf(Locale.ROOT,
          "timeline: %d steps, %d requests, %d forward passes, %d graph replays of %d processes (%d events) in %s%n",
          r.steps(), r.requests(), r.forwardPasses(), r.graphReplays(), r.processes(), r.events(), r.file());
    }
    return r.partial() ? ExitCodes.PARTIAL : ExitCodes.OK;
  }
}
