package dev.profilemate.timeline;

import dev.profilemate.session.ParallelIdentity;
import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.RecordDispatch;
import dev.profilemate.common.Progress;
import dev.profilemate.session.ReadAhead;
import dev.profilemate.session.SessionReader;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;

/**
 * A session's raw spools → a Perfetto trace (docs/timeline.md), in one streaming pass over the
 * merged timeline, through the same aggregators as `export`: it works on a session nobody exported,
 * and its numbers are the session files'. Bounded: a window of the session ({@link Window}) and a
 * cap on events; at the cap the trace stops at that record's time and says so ({@link Result#cutSec}).
 * The file appears whole or not at all (written beside it, then moved).
 */
public final class SessionTimeline {
  /** The default cap: about 60 bytes an event on the H100 session mix (bench/timeline_scale.sh), so about 60 MB. */
  public static final long DEFAULT_MAX_EVENTS = 1_000_000;

  /** Requests in flight at the end drawn at most (the latest to start): see RequestTracks. */
  public static final int MAX_UNFINISHED_DRAWN = RequestTracks.MAX_UNFINISHED;

  private final RecordSchema schema;
  private final boolean strict;

  public SessionTimeline(RecordSchema schema, boolean strict) {
    this.schema = schema;
    this.strict = strict;
  }

  /**
   * What was written. cutSec: NaN, or where the cap stopped the trace (seconds since the session
   * started). unfinishedLeftOut: requests in flight at the end not drawn (all but the
   * {@value RequestTracks#MAX_UNFINISHED} latest to start). partial: damaged parts of spools were skipped.
   */
  public record Result(Path file, long events, long steps, long requests, long forwardPasses, long graphReplays,
      int processes, double cutSec, long unfinishedLeftOut, List<String> warnings, boolean partial) {}

  /** from/to: seconds since the session started, null for its start / end. */
  public Result write(Path session, Path out, Double from, Double to, long maxEvents, Progress progress)
      throws IOException {
    Path body = out.resolveSibling("." + out.getFileName() + ".events.tmp");
    Path whole = out.resolveSibling("." + out.getFileName() + ".tmp");
    try (SessionReader reader = SessionReader.open(session, schema, strict)) {
      ByteArrayOutputStream descriptors = new ByteArrayOutputStream();
      Canvas canvas;
      StepTracks steps;
      RequestTracks requests;
      WorkerTracks workers;
      double cut = Double.NaN;
      try (OutputStream events = new BufferedOutputStream(Files.newOutputStream(body), 1 << 16)) {
        PerfettoTrace trace = new PerfettoTrace(descriptors, events);
        TrackGroups groups = new TrackGroups(reader.processes());
        canvas = new Canvas(trace, groups, reader.startNs(), Window.seconds(from, to));
        steps = new StepTracks(canvas);
        requests = new RequestTracks(canvas, schema);
        workers = new WorkerTracks(canvas, schema);
        List<RecordConsumer> tracks = List.of(steps, requests, workers);
        RecordDispatch dispatch = new RecordDispatch(tracks);
        Iterator<SpoolRecord> it = ReadAhead.of(reader.merged());
        long read = 0;
        try {
          while (it.hasNext()) {
            SpoolRecord r = it.next();
            long t = canvas.rel(r.tNs());
            if (t >= canvas.window.toNs()) {
              break; // merged by time: nothing later is drawn
            }
            if (trace.events() >= maxEvents) {
              cut = t / 1e9;
              break;
            }
            if ((++read & 0xFFFF) == 0) {
              progress.count(read, "records");
            }
            canvas.lastNs = Math.max(canvas.lastNs, t);
            if (r.name().equals("process_role")) {
              groups.role(r.process(), r.getString("role"), r.getInt("rank"));
            }
            if (r.name().equals(ParallelIdentity.RECORD)) {
              groups.parallel(r.process(), ParallelIdentity.of(r));
            }
            dispatch.accept(r);
          }
        } finally {
          ReadAhead.close(it);
        }
        if (!Double.isNaN(cut)) {
          canvas.lastNs = Math.round(cut * 1e9); // open requests end where the trace stops
        }
        for (RecordConsumer c : tracks) {
          c.finish();
        }
        groups.declare(trace);
        long total = trace.events();
        events.flush();
        try (OutputStream whole0 = new BufferedOutputStream(Files.newOutputStream(whole), 1 << 16);
            InputStream in = Files.newInputStream(body)) {
          descriptors.writeTo(whole0);
          in.transferTo(whole0);
        }
        Files.move(whole, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Result(out, total, steps.drawn(), requests.drawn(), workers.passes(), workers.replays(),
            reader.processes().size(), cut, requests.unfinishedLeftOut(), reader.warnings(), !reader.dropped().isEmpty());
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    } finally {
      Files.deleteIfExists(body);
      Files.deleteIfExists(whole);
    }
  }
}
