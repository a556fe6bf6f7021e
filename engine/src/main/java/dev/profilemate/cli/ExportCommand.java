package dev.profilemate.cli;

import dev.profilemate.aggregate.CaptureSettings;
import dev.profilemate.common.UserDataException;
import dev.profilemate.export.SessionExporter;
import dev.profilemate.otlp.OtlpEndpoint;
import dev.profilemate.otlp.OtlpExport;
import dev.profilemate.otlp.OtlpSender;
import dev.profilemate.query.Datasets;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "export",
    description = "Write metadata.json and every session CSV/JSON/TXT file from a session's raw spools.")
final class ExportCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "SESSION",
      description = "session_* folders (holding raw/); several are exported one after the other")
  java.util.List<Path> sessions;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR", description = "where to write (default: the session folder); with "
      + "--format parquet, the dataset folder (default: SESSION/parquet; several sessions go into one dataset)")
  Path out;

  /** csv: the session files (the default); parquet: those too, and a Parquet dataset of every CSV (docs/fleet.md). */
  enum Format { csv, parquet }

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "csv",
      description = "csv (default): the session files; parquet: the session files into the session folder, and "
          + "a hive-partitioned Parquet dataset of every CSV (by session and rank, the CSV's columns and types) "
          + "at --out (docs/fleet.md)")
  Format format;

  @Option(names = "--quiet", description = "no summary line")
  boolean quiet;

  @Option(names = "--strict",
      description = "fail (exit 1, nothing written) at the first damaged part of a spool instead of skipping it")
  boolean strict;

  @Option(names = "--otlp", paramLabel = "ENDPOINT",
      description = "also send each finished request's spans and the step metrics to this OTLP/HTTP endpoint "
          + "(e.g. http://127.0.0.1:4318; all of them, each time: see collect --otlp for live sends)")
  String otlp;

  @picocli.CommandLine.Mixin TriggerOptions triggers = new TriggerOptions();

  @Override
  public Integer call() {
    CaptureSettings rules = triggers.settings(spec);
    boolean parquet = format == Format.parquet;
    if (sessions.size() > 1 && out != null && !parquet) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--out names one folder but " + sessions.size() + " sessions were given; give one session, or leave out --out");
    }
    sessions.forEach(SessionArgs::raw); // all checked before any is written
    OtlpEndpoint endpoint = otlp == null ? null : endpoint(spec, otlp);
    int code = ExitCodes.OK;
    for (Path session : sessions) {
      SessionExporter.Result r = run(session, out == null || parquet ? session : out, strict, rules,
          SessionExporter.NO_TAP);
      if (!quiet) {
        System.out.printf(
            "exported %d records from %d processes into %s%n", r.records(), r.processes(), r.dir());
      }
      // damage is reported even when quiet: the exit status alone does not say what was lost
      r.warnings().forEach(w -> System.err.println("warning: " + w));
      code = Math.max(code, r.partial() ? ExitCodes.PARTIAL : ExitCodes.OK);
      if (endpoint != null) {
        sendOnce(session, endpoint, quiet);
      }
      if (parquet && out == null) {
        writeParquet(session.resolve("parquet"), List.of(session), quiet);
      }
    }
    if (parquet && out != null) {
      writeParquet(out, sessions, quiet);
    }
    return code;
  }

  private static void writeParquet(Path dataset, List<Path> exported, boolean quiet) {
    Datasets.Summary s = Datasets.write(dataset, exported, n -> System.err.println("export: " + n),
        p -> System.err.println("export: " + p));
    if (!quiet) {
      System.out.printf("parquet: %d rows of %d sessions into %s%n", s.rows(), s.sessions(), s.dataset());
    }
  }

  /** ENDPOINT checked as an argument: a malformed one is exit 2, before anything is read. */
  static OtlpEndpoint endpoint(picocli.CommandLine.Model.CommandSpec spec, String text) {
    try {
      return OtlpEndpoint.parse(text);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--otlp: " + e.getMessage());
    }
  }

  /** A send the endpoint refused fails the command (exit 1): the spans of a finished session are not sent otherwise. */
  private static void sendOnce(Path session, OtlpEndpoint endpoint, boolean quiet) {
    OtlpSender.Sent sent;
    try {
      sent = OtlpExport.once(session, endpoint);
    } catch (IOException e) {
      throw new UserDataException(e.getMessage(), e);
    }
    if (sent.failure() != null) {
      throw new UserDataException("otlp: " + sent.failure() + "; is an OTLP/HTTP receiver listening there?");
    }
    if (!quiet) {
      System.out.printf("otlp: sent %d requests (%d spans) and %d steps of %s to %s%n", sent.requests(), sent.spans(),
          sent.steps(), session.getFileName(), endpoint);
    }
  }

  static SessionExporter.Result run(Path session, Path out) {
    return run(session, out, false);
  }

  static SessionExporter.Result run(Path session, Path out, boolean strict) {
    return run(session, out, strict, CaptureSettings.defaults(), SessionExporter.NO_TAP);
  }

  /** tap: see {@link SessionExporter#export(Path, Path, dev.profilemate.common.Progress, java.util.function.Function)}. */
  static SessionExporter.Result run(Path session, Path out, boolean strict, CaptureSettings rules,
      java.util.function.Function<dev.profilemate.session.SessionReader, dev.profilemate.aggregate.RecordConsumer> tap) {
    try (dev.profilemate.common.Progress progress = dev.profilemate.common.Progress.start("export")) {
      progress.phase("reading " + session.getFileName());
      return new SessionExporter(RecordSchema.bundled(), strict, rules).export(session, out, progress, tap);
    } catch (IOException | java.io.UncheckedIOException e) {
      String msg = e instanceof java.io.UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
      throw new UserDataException(msg, e);
    }
  }
}
