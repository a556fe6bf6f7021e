package dev.profilemate.export;

import dev.profilemate.common.Progress;
import dev.profilemate.aggregate.CaptureSettings;
import dev.profilemate.aggregate.CpuOperations;
import dev.profilemate.aggregate.CudaGraphs;
import dev.profilemate.aggregate.EncoderDecoder;
import dev.profilemate.aggregate.ForwardPasses;
import dev.profilemate.aggregate.KvEvictions;
import dev.profilemate.aggregate.MoeExperts;
import dev.profilemate.aggregate.MoeLayers;
import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.RecordDispatch;
import dev.profilemate.aggregate.RequestLifecycles;
import dev.profilemate.aggregate.SchedulerSteps;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.aggregate.SideLane;
import dev.profilemate.common.CsvTable;
import dev.profilemate.common.Fmt;
import dev.profilemate.common.Json;
import dev.profilemate.session.ReadAhead;
import dev.profilemate.session.SessionReader;
import dev.profilemate.spool.DroppedRange;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * spools → every session file ({@link SessionFile}, {@link SummaryFile}; docs/session-files.md), in one streaming pass over the merged timeline.
 * All files are staged and moved into place together; the same input gives the same bytes.
 * Damaged parts of spools are skipped and listed (see {@link Result#dropped()}) unless strict.
 */
public final class SessionExporter {
  private final RecordSchema schema;
  private final boolean strict;
  private final CaptureSettings triggers;

  public SessionExporter(RecordSchema schema) {
    this(schema, false);
  }

  /** strict: the first damaged byte range fails the export (nothing is written) instead of being skipped. */
  public SessionExporter(RecordSchema schema, boolean strict) {
    this(schema, strict, CaptureSettings.defaults());
  }

  /** triggers: the triggered-capture rules whose firings go to capture_windows.csv. */
  public SessionExporter(RecordSchema schema, boolean strict, CaptureSettings triggers) {
    this.schema = schema;
    this.strict = strict;
    this.triggers = triggers;
  }

  /**
   * What one export wrote, for the CLI's one-line report.
   *
   * @param dropped byte ranges of spools skipped as damaged: non-empty means a partial export
   */
  public record Result(Path dir, int processes, long records, Map<SessionFile, Long> rows, List<String> warnings,
      List<DroppedRange> dropped) {
    public boolean partial() {
      return !dropped.isEmpty();
    }
  }

  public Result export(Path session, Path outDir) throws IOException {
    return export(session, outDir, Progress.NONE);
  }

  /** progress: shows the records read so far on a terminal (a long session takes minutes). */
  public Result export(Path session, Path outDir, Progress progress) throws IOException {
    return export(session, outDir, progress, NO_TAP);
  }

  /** A consumer that sees every record this export reads, in the same order (collect's live metrics). */
  public static final java.util.function.Function<SessionReader, RecordConsumer> NO_TAP = r -> null;

  /** tap: made once the spools are open; gets every record the export reads, then finish(); null for none. */
  public Result export(Path session, Path outDir, Progress progress,
      java.util.function.Function<SessionReader, RecordConsumer> tap) throws IOException {
    SessionInputs.check(session);
    try (SessionReader reader = SessionReader.open(session, schema, strict);
        OutputStage stage = new OutputStage(outDir)) {
      RecordConsumer extra = tap.apply(reader);
      SessionClock clock = new SessionClock(reader.startNs());
      Map<SessionFile, CsvTable.Writer> t = new EnumMap<>(SessionFile.class);
      List<OutputStream> streams = new ArrayList<>();
      try {
        for (SessionFile f : SessionFile.values()) {
          OutputStream out = stage.create(f.fileName);
          streams.add(out);
          t.put(f, new CsvTable.Writer(out, f.columns));
        }
        Pipeline p = new Pipeline(clock, schema, triggers, t);
        p.processes(reader.processes());
        List<RecordConsumer> consumers = new ArrayList<>(p.consumers);
        if (extra != null) {
          consumers.add(extra);
        }
        long records = 0;
        MetadataBuilder meta = new MetadataBuilder(reader, schema);
        // half the aggregators on a thread of their own (SideLane), the rest and the tap on this one
        SideLane lane = SideLane.pays() ? SideLane.of(p.sideLane()) : null;
        List<RecordConsumer> fed = new ArrayList<>(lane == null ? p.consumers : p.mainLane());
        if (lane != null) {
          fed.add(lane);
        }
        if (extra != null) {
          fed.add(extra);
        }
        RecordDispatch dispatch = new RecordDispatch(fed);
        // the spools are read and decoded on a second thread, a few batches ahead (ReadAhead)
        Iterator<SpoolRecord> it = ReadAhead.of(reader.merged());
        try {
          while (it.hasNext()) {
            SpoolRecord r = it.next();
            if ((++records & 0xFFFF) == 0) {
              progress.count(records, "records");
            }
            meta.accept(r);
            dispatch.accept(r);
          }
          if (lane != null) {
            lane.await(); // its consumers are finished below, on this thread
          }
        } finally {
          ReadAhead.close(it); // before the spools close, whether or not this pass failed
          if (lane != null) {
            lane.close();
          }
        }
        for (RecordConsumer c : consumers) {
          c.finish();
        }
        p.writeEndTables(t);
        Map<SessionFile, Long> rows = new EnumMap<>(SessionFile.class);
        t.forEach((f, table) -> rows.put(f, table.rows()));
        for (CsvTable.Writer table : t.values()) {
          table.close();
        }
        for (SessionFile f : SessionFile.values()) {
          if (f.isMoe()) {
            stage.copy(f.fileName, SessionFile.MOE_FOLDER + "/" + f.fileName);
          }
        }
        p.writeSummaries(stage);
        List<String> warnings = meta.warnings(reader.warnings());
        warnings.addAll(p.warnings());
        try (OutputStream out = stage.create(SummaryFile.METADATA.fileName)) {
          Map<String, Object> m = meta.build(records, warnings, p.moeLayers.metadata(p.moe));
          m.put("capture_rules", triggers.describe());
          Json.write(out, m);
        }
        stage.commit();
        return new Result(outDir, reader.processes().size(), records, rows, warnings, reader.dropped());
      } finally {
        for (OutputStream s : streams) {
          s.close();
        }
      }
    }
  }
}
