package dev.profilemate.export;

import dev.profilemate.aggregate.CaptureSettings;
import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.RecordDispatch;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.aggregate.SideLane;
import dev.profilemate.common.CsvTable;
import dev.profilemate.common.Json;
import dev.profilemate.session.LiveSession;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * collect's refreshes (issue 23): each reads only the spool bytes added since the last one
 * ({@link LiveSession}), feeds the same aggregators a whole export has ({@link Pipeline}), kept
 * from refresh to refresh, appends their per-step rows to the CSVs in place and rewrites the end
 * tables, summaries and metadata.json from their totals. After the last refresh every file holds
 * the bytes a whole export of the same spools writes.
 *
 * <p>Each refresh ends with a checkpoint ({@link Checkpoint}): the stream positions, the per-step
 * CSVs' lengths and the aggregators, taken before the end tables are made (making them finishes
 * the aggregators: requests still in flight get their rows, which the next refresh cuts off again
 * by truncating the CSVs to the checkpoint's lengths). A collector restarted goes on from the
 * checkpoint; rows appended after it (a crash before the next one) are cut off the same way.
 *
 * <p>What the state cannot follow (see {@link LiveSession.Mismatch}) costs one read from the
 * start, said in one line; damage and records of unknown types leave the session to whole
 * exports, as before this class.
 */
public final class LiveExport {
  private final Path session;
  private final RecordSchema schema;
  private final CaptureSettings triggers;
  private final PrintStream err;
  private final String stamp;
  /** The state after the last refresh, as the checkpoint holds it; null: read from the start. */
  private byte[] frozen;
  /**
   * The same state as live objects, while this collector runs: finish() leaves the aggregators as
   * they were (only the tap's is frozen apart and thawed each refresh), so a refresh needs no thaw.
   * Null after a refresh that failed half-way: the next one thaws the last checkpoint instead.
   */
  private Frozen kept;
  private boolean checkpointRead;
  private final String tapName;
  /** Only whole exports give this session's files (damage, unknown record types). */
  private boolean wholeExports;

  /** What a checkpoint holds: the session's read state, the aggregators and the per-step CSVs' sizes. */
  private record Frozen(LiveSession.State read, Pipeline pipeline, MetadataBuilder meta, Map<SessionFile, Long> bytes,
      Map<SessionFile, Long> rows, byte[] tap) implements Serializable {}

  /**
   * A consumer that rides on the refreshes (collect's live metrics): made from the session read and
   * its own state of the last refresh (null: the session is read from its start); fed the same
   * records in the same order, checkpointed with the aggregators (so it must be Serializable), then
   * finished. A fault in it costs it this refresh, never the files (the next refresh reads the
   * session from the start to give it a whole pass again).
   */
  public interface Tap extends java.util.function.BiFunction<dev.profilemate.session.SessionView, Object, RecordConsumer> {}

  private final Tap tapMaker;
  private boolean tapFailed;

  public LiveExport(Path session, RecordSchema schema, CaptureSettings triggers, PrintStream err) {
    this(session, schema, triggers, err, null, "");
  }

  /** tap: see {@link Tap} (null: none); tapName names it in the checkpoint's stamp and in messages. */
  public LiveExport(Path session, RecordSchema schema, CaptureSettings triggers, PrintStream err, Tap tap,
      String tapName) {
    this.tapMaker = tap;
    this.session = session;
    this.schema = schema;
    this.triggers = triggers;
    this.err = err;
    this.stamp = Checkpoint.stamp(schema, triggers.describe() + (tap == null ? "" : "; tap=" + tapName));
    this.tapName = tapName;
  }

  /** The checkpoint file's name in the session folder. */
  public static final String CHECKPOINT = Checkpoint.FILE;

  /**
   * One refresh. over: no profiled process runs any more (nothing is held back: the files are
   * then those of a whole export); exited: pids seen exited before this refresh began.
   */
  public SessionExporter.Result refresh(boolean over, Set<Long> exited) throws IOException {
    tapFailed = false;
    if (wholeExports) {
      return whole();
    }
    List<String> listing = listing();
    Seen last = seen;
    seen = null;
    if (last != null && kept != null && last.spools().equals(listing) && (last.over() == over
        || last.allEnded() && tapMaker == null) && (last.allEnded() || last.exited().equals(exited))) {
      seen = last;
      return last.result(); // the files already say all there is (collect's last refresh, mostly)
    }
    SessionExporter.Result r = refreshRead(over, exited);
    if (kept != null && !tapFailed) {
      seen = new Seen(listing, over, Set.copyOf(exited), kept.read().allEnded(), r);
    }
    return r;
  }

  /** What the last refresh saw (the spools' names, sizes and times) and gave. */
  private record Seen(List<String> spools, boolean over, Set<Long> exited, boolean allEnded,
      SessionExporter.Result result) {}

  private Seen seen;

  /** The spool folder's files with their sizes and modification times, as a refresh begins. */
  private List<String> listing() throws IOException {
    Path raw = session.resolve(dev.profilemate.session.SessionReader.RAW);
    Path dir = Files.isDirectory(raw, LinkOption.NOFOLLOW_LINKS) ? raw : session;
    List<String> out = new ArrayList<>();
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        try {
          java.nio.file.attribute.BasicFileAttributes a =
              Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          out.add(p.getFileName() + " " + a.size() + " " + a.lastModifiedTime().toMillis() + " " + a.fileKey());
        } catch (java.nio.file.NoSuchFileException gone) {
          out.add(p.getFileName() + " gone");
        }
      }
    }
    return out;
  }

  private SessionExporter.Result refreshRead(boolean over, Set<Long> exited) throws IOException {
    if (!checkpointRead) {
      checkpointRead = true;
      String[] why = new String[1];
      frozen = Checkpoint.read(session, stamp, why);
      if (why[0] != null) {
        err.println("collect: " + why[0] + "; reading the session from the start");
      }
    }
    Frozen f = kept;
    kept = null;
    if (f == null && frozen != null) {
      try {
        f = (Frozen) Checkpoint.thaw(frozen, schema);
      } catch (IOException | RuntimeException e) {
        err.println("collect: " + Checkpoint.FILE + " cannot be read (" + e.getMessage() + "); reading the session from the start");
        f = null;
      }
    }
    {
      if (f != null) {
        try {
          return step(f, over, exited);
        } catch (LiveSession.Mismatch m) {
          err.println("collect: " + m.getMessage() + "; reading the session from the start");
          if (m.wholeReadOnly()) {
            return wholeFromNowOn();
          }
        }
      }
    }
    try {
      return step(null, over, exited);
    } catch (LiveSession.Mismatch m) {
      if (!m.wholeReadOnly()) {
        // the spools changed under this very read: a whole export this time, the next refresh tries again
        err.println("collect: " + m.getMessage() + "; exporting the whole session this time");
        frozen = null;
        kept = null;
        return whole();
      }
      err.println("collect: " + m.getMessage());
      return wholeFromNowOn();
    }
  }

  private SessionExporter.Result wholeFromNowOn() throws IOException {
    err.println("collect: only a whole export accounts for this session's damage: each refresh exports it whole");
    wholeExports = true;
    frozen = null;
    kept = null;
    Checkpoint.delete(session);
    return whole();
  }

  private SessionExporter.Result whole() throws IOException {
    return new SessionExporter(schema, false, triggers).export(session, session, dev.profilemate.common.Progress.NONE,
        reader -> tapMaker == null ? null : guarded(tapMaker.apply(reader, null)));
  }

  /** Whether this refresh's tap failed (its state is then not what the files say). */
  public boolean tapFailed() {
    return tapFailed;
  }

  /** The tap as fed this refresh, finished. */
  private RecordConsumer guarded(RecordConsumer tap) {
    if (tap == null) {
      return null;
    }
    return new RecordConsumer() {
      @Override
      public void accept(dev.profilemate.spool.SpoolRecord r) {
        if (!tapFailed) {
          try {
            tap.accept(r);
          } catch (RuntimeException e) {
            failed(e);
          }
        }
      }

      @Override
      public void finish() {
        if (!tapFailed) {
          try {
            tap.finish();
          } catch (RuntimeException e) {
            failed(e);
          }
        }
      }
    };
  }

  private void failed(RuntimeException e) {
    tapFailed = true;
    err.println("collect: " + tapName + " skipped this refresh (" + e + ")");
  }

  /** One refresh from f (null: from the start, every file written anew). */
  private SessionExporter.Result step(Frozen f, boolean over, Set<Long> exited) throws IOException, LiveSession.Mismatch {
    LiveSession live = f == null ? LiveSession.start(session, schema) : LiveSession.resume(session, schema, f.read());
    live.prepare();
    Map<SessionFile, CsvTable.Writer> t = new EnumMap<>(SessionFile.class);
    List<OutputStream> streams = new ArrayList<>();
    try (OutputStage stage = new OutputStage(session)) {
      Pipeline p;
      MetadataBuilder meta;
      if (f == null) {
        Checkpoint.delete(session); // its lengths are not those of the files this read writes
        p = new Pipeline(new SessionClock(live.startNs()), schema, triggers, t);
        meta = new MetadataBuilder(live, schema);
      } else {
        p = f.pipeline();
        p.attach(t);
        meta = f.meta();
        meta.attach(live);
      }
      for (SessionFile file : SessionFile.values()) {
        OutputStream out;
        if (Pipeline.END_TABLES.contains(file) || f == null) {
          out = stage.create(file.fileName);
          if (file.isMoe() && !Pipeline.END_TABLES.contains(file)) {
            out = new Both(out, stage.create(SessionFile.MOE_FOLDER + "/" + file.fileName));
          }
          streams.add(out);
          t.put(file, new CsvTable.Writer(out, file.columns));
        } else {
          out = appendAt(session.resolve(file.fileName), f.bytes().get(file));
          if (file.isMoe()) {
            streams.add(out);
            out = new Both(out, appendAt(session.resolve(SessionFile.MOE_FOLDER).resolve(file.fileName),
                f.bytes().get(file)));
          }
          streams.add(out);
          t.put(file, CsvTable.Writer.appending(out, file.columns.size()));
        }
      }
      p.processes(live.processes()); // the processes found so far: their hosts until their identities
      List<RecordConsumer> consumers = p.consumers;
      RecordConsumer tapState = tapMaker == null ? null
          : tapMaker.apply(live, f == null || f.tap() == null ? null : Checkpoint.thaw(f.tap(), schema));
      RecordConsumer tap = guarded(tapState);
      // as a whole export: half the aggregators on a thread of their own (SideLane), fed by type (RecordDispatch)
      SideLane lane = SideLane.pays() ? SideLane.of(p.sideLane()) : null;
      try {
        List<RecordConsumer> fed = new ArrayList<>(lane == null ? consumers : p.mainLane());
        if (lane != null) {
          fed.add(lane);
        }
        RecordDispatch dispatch = new RecordDispatch(fed);
        live.emit(over, exited, r -> {
          meta.accept(r);
          dispatch.accept(r);
          if (tap != null) {
            tap.accept(r);
          }
        });
        if (lane != null) {
          lane.await(); // before the CSVs are flushed and the aggregators checkpointed
        }
      } finally {
        if (lane != null) {
          lane.close();
        }
      }
      Map<SessionFile, Long> bytes = new EnumMap<>(SessionFile.class);
      Map<SessionFile, Long> rows = new EnumMap<>(SessionFile.class);
      for (Map.Entry<SessionFile, CsvTable.Writer> e : t.entrySet()) {
        if (!Pipeline.END_TABLES.contains(e.getKey())) {
          e.getValue().flush();
          bytes.put(e.getKey(), (f == null ? 0 : f.bytes().get(e.getKey())) + e.getValue().bytes());
          rows.put(e.getKey(), (f == null ? 0 : f.rows().get(e.getKey())) + e.getValue().rows());
        }
      }
      // the state before finish(): the next refresh goes on from here
      byte[] tapBytes = tapState == null ? null : Checkpoint.freeze(tapState, schema);
      Frozen now = new Frozen(live.state(), p, meta, bytes, rows, tapBytes);
      byte[] next = Checkpoint.freeze(now, schema);
      for (RecordConsumer c : consumers) {
        c.finish();
      }
      if (tap != null) {
        tap.finish();
      }
      p.writeEndTables(t);
      Map<SessionFile, Long> allRows = new EnumMap<>(SessionFile.class);
      t.forEach((file, table) -> allRows.put(file, table.rows() + (Pipeline.END_TABLES.contains(file) || f == null ? 0
          : f.rows().get(file))));
      for (CsvTable.Writer table : t.values()) {
        table.close();
      }
      for (SessionFile file : Pipeline.END_TABLES) {
        if (file.isMoe()) {
          stage.copy(file.fileName, SessionFile.MOE_FOLDER + "/" + file.fileName);
        }
      }
      p.writeSummaries(stage);
      List<String> warnings = meta.warnings(live.warnings());
      warnings.addAll(p.warnings());
      try (OutputStream out = stage.create(SummaryFile.METADATA.fileName)) {
        Map<String, Object> m = meta.build(live.state().records(), warnings, p.moeLayers.metadata(p.moe));
        m.put("capture_rules", triggers.describe());
        Json.write(out, m);
      }
      stage.commit();
      // a failed tap's state is not that of the records read: the next refresh reads from the start
      Checkpoint.write(session, stamp, next);
      frozen = tapFailed ? null : next;
      kept = tapFailed ? null : now;
      return new SessionExporter.Result(session, live.processes().size(), live.state().records(), allRows, warnings,
          List.of());
    } finally {
      for (OutputStream s : streams) {
        s.close();
      }
    }
  }

  /**
   * A per-step CSV opened for appending after cutting it to the length the checkpoint recorded
   * (rows a finish() or a crashed refresh added after it). A file gone, shorter, or not a plain
   * file is no longer the one the state describes.
   */
  private static OutputStream appendAt(Path file, long length) throws IOException, LiveSession.Mismatch {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) < length) {
      throw new LiveSession.Mismatch(file.getFileName() + " is not the file the last refresh wrote", false);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      ch.truncate(length);
    }
    return Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
  }

  /** The same bytes to two files: a per-step MoE CSV and its copy in moe_expert_tracking/. */
  private static final class Both extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Both(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int x) throws IOException {
      a.write(x);
      b.write(x);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }

    @Override
    public void close() throws IOException {
      try {
        a.close();
      } finally {
        b.close();
      }
    }
  }
}
