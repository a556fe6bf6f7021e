package dev.profilemate.export;

import dev.profilemate.common.Progress;
import dev.profilemate.aggregate.CaptureRules;
import dev.profilemate.aggregate.CaptureSettings;
import dev.profilemate.aggregate.CpuOperations;
import dev.profilemate.aggregate.CudaGraphs;
import dev.profilemate.aggregate.EncoderDecoder;
import dev.profilemate.aggregate.ForwardPasses;
import dev.profilemate.aggregate.KvEvictions;
import dev.profilemate.aggregate.MoeExperts;
import dev.profilemate.aggregate.MoeLayers;
import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.RequestLifecycles;
import dev.profilemate.aggregate.SchedulerSteps;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.common.CsvTable;
import dev.profilemate.common.Fmt;
import dev.profilemate.common.Json;
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
    SessionInputs.check(session);
    try (SessionReader reader = SessionReader.open(session, schema, strict);
        OutputStage stage = new OutputStage(outDir)) {
      SessionClock clock = new SessionClock(reader.startNs());
      Map<SessionFile, CsvTable.Writer> t = new EnumMap<>(SessionFile.class);
      List<OutputStream> streams = new ArrayList<>();
      try {
        for (SessionFile f : SessionFile.values()) {
          OutputStream out = stage.create(f.fileName);
          streams.add(out);
          t.put(f, new CsvTable.Writer(out, f.columns));
        }
        Pipeline p = new Pipeline(clock, t);
        long records = 0;
        MetadataBuilder meta = new MetadataBuilder(reader, schema);
        Iterator<SpoolRecord> it = reader.merged();
        while (it.hasNext()) {
          SpoolRecord r = it.next();
          if ((++records & 0xFFFF) == 0) {
            progress.count(records, "records");
          }
          meta.accept(r);
          for (RecordConsumer c : p.consumers) {
            c.accept(r);
          }
        }
        for (RecordConsumer c : p.consumers) {
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
        warnings.addAll(p.moe.warnings());
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

  /** The aggregators, each wired to the CSV its rows go to. */
  private final class Pipeline {
    final SchedulerSteps steps;
    final KvEvictions evictions;
    final RequestLifecycles requests;
    final CpuOperations cpu;
    final ForwardPasses forward;
    final CudaGraphs graphs;
    final MoeExperts moe;
    final MoeLayers moeLayers = new MoeLayers();
    final EncoderDecoder encdec;
    final CaptureRules captures;
    final List<RecordConsumer> consumers;

    Pipeline(SessionClock clock, Map<SessionFile, CsvTable.Writer> t) {
      CsvTable.Writer usage = t.get(SessionFile.KV_CACHE_USAGE);
      CsvTable.Writer batch = t.get(SessionFile.BATCH_UTILIZATION);
      steps =
          new SchedulerSteps(
              clock,
              s -> {
                usage.row(Fmt.sec(s.timestampSec()), Fmt.pct(s.kvUsagePct()), Integer.toString(s.kvUsedBlocks()),
                    Integer.toString(s.kvTotalBlocks()));
                batch.row(Fmt.sec(s.timestampSec()), Integer.toString(s.numSeqs()), Integer.toString(s.maxNumSeqs()),
                    Fmt.pct(s.seqUtilizationPct()), Integer.toString(s.numTokens()), Integer.toString(s.maxTokens()),
                    Fmt.pct(s.tokenUtilizationPct()), s.phase(), Integer.toString(s.runningQueueLen()),
                    Integer.toString(s.waitingQueueLen()), Long.toString(s.step()),
                    Integer.toString(s.numPrefillTokens()), Integer.toString(s.numDecodeTokens()),
                    Integer.toString(s.numPreempted()));
              });
      CsvTable.Writer ev = t.get(SessionFile.KV_CACHE_EVICTIONS);
      evictions =
          new KvEvictions(
              clock, e -> ev.row(Fmt.sec(e.timestampSec()), Fmt.sec(e.lifetimeSec()), Fmt.sec(e.idleSec()),
                  Integer.toString(e.blockId())));
      CsvTable.Writer pe = t.get(SessionFile.PREEMPTION_EVENTS);
      CsvTable.Writer lc = t.get(SessionFile.REQUEST_LIFECYCLE);
      requests =
          new RequestLifecycles(
              clock,
              schema,
              e -> pe.row(Fmt.sec(e.timestampSec()), e.requestId(), e.event(), e.reason(), Fmt.sec(e.runningTimeSec()),
                  e.extraInfo()),
              l -> lc.row(l.requestId(), Fmt.sec(l.startedSec()), Fmt.sec(l.preemptedSec()), Fmt.sec(l.resumedSec()),
                  Fmt.sec(l.finishedSec()), Fmt.sec(l.totalTimeSec()), Fmt.sec(l.preemptionDelaySec()),
                  Fmt.sec(l.arrivalSec()), Fmt.sec(l.firstTokenSec()), Integer.toString(l.numPromptTokens()),
                  Integer.toString(l.numOutputTokens()), Integer.toString(l.numPreemptions()), l.finishReason(),
                  Long.toString(l.recomputedTokens()), Fmt.sec(l.queueWaitSec()), Fmt.sec(l.scheduledToFinishedSec()),
                  Fmt.sec(l.lastPreemptedSec()), Fmt.sec(l.lastResumedSec())));
      CsvTable.Writer co = t.get(SessionFile.CPU_OPERATIONS);
      cpu = new CpuOperations(clock, o -> co.row(Fmt.sec(o.timestampSec()), o.operation(), Fmt.ms(o.durationMs()), o.context()));
      CsvTable.Writer fp = t.get(SessionFile.FORWARD_PASS);
      forward =
          new ForwardPasses(
              clock, schema, f -> fp.row(Fmt.sec(f.timestampSec()), f.phase(), Integer.toString(f.batchSize()),
                  Integer.toString(f.numTokens()), Fmt.ms(f.forwardTimeMs()), Fmt.fixed(f.throughputTokensPerSec(), 1)));
      CsvTable.Writer tl = t.get(SessionFile.CUDA_GRAPH_TIMELINE);
      graphs =
          new CudaGraphs(
              clock,
              r -> tl.row(Fmt.sec(r.timestampSec()), r.descriptor().label(), Fmt.ms(r.durationMs()),
                  r.descriptor().runtimeMode(), Integer.toString(r.descriptor().numTokens()),
                  r.descriptor().numReqsText(), py(r.descriptor().uniform()), py(r.descriptor().hasLora())));
      CsvTable.Writer im = t.get(SessionFile.MOE_IMBALANCE);
      CsvTable.Writer ws = t.get(SessionFile.MOE_WEIGHTS);
      moe = new MoeExperts(clock, i -> im.row(Integer.toString(i.layer()), Fmt.sec(i.timestampSec()),
          Fmt.fixed(i.stdDev(), 3), Fmt.fixed(i.maxMinRatio(), 3)),
          w -> ws.row(Integer.toString(w.layer()), Integer.toString(w.tokenIdx()), Integer.toString(w.expert()),
              Fmt.fixed(w.weight(), 6)));
      CsvTable.Writer ed = t.get(SessionFile.ENCODER_DECODER);
      encdec = new EncoderDecoder(clock, e -> ed.row(Fmt.sec(e.timestampSec()), e.component(), Fmt.ms(e.durationMs()), e.context()));
      captures = new CaptureRules(triggers, clock, schema);
      consumers = List.of(steps, evictions, requests, cpu, forward, graphs, moe, moeLayers, encdec, captures);
    }

    void writeEndTables(Map<SessionFile, CsvTable.Writer> t) {
      for (CaptureRules.Capture c : captures.captures()) {
        for (CaptureRules.Firing f : c.firings()) {
          t.get(SessionFile.CAPTURE_WINDOWS).row(c.id(), f.rule().flag, Fmt.sec(f.firedSec()), Fmt.sec(c.startSec()),
              Fmt.sec(c.endSec()), Fmt.fixed(f.value(), 3), Fmt.fixed(f.threshold(), 3), f.rule().unit);
        }
      }
      for (CudaGraphs.Capture c : graphs.captures()) {
        CudaGraphs.Descriptor d = c.descriptor();
        t.get(SessionFile.CUDA_GRAPH_CAPTURES).row(d.runtimeMode(), Integer.toString(d.numTokens()), d.numReqsText(),
            py(d.uniform()), py(d.hasLora()), Fmt.sec(c.captureTimeSec()));
      }
      for (CudaGraphs.Usage u : graphs.usage()) {
        CudaGraphs.Descriptor d = u.descriptor();
        t.get(SessionFile.CUDA_GRAPH_USAGE).row(d.runtimeMode(), Integer.toString(d.numTokens()), d.numReqsText(),
            py(d.uniform()), py(d.hasLora()), Long.toString(u.replayCount()));
      }
      for (MoeExperts.Activation a : moe.activations()) {
        t.get(SessionFile.MOE_ACTIVATIONS).row(Integer.toString(a.layer()), Integer.toString(a.expert()),
            Long.toString(a.count()), Fmt.pct(a.percentage()));
      }
      for (MoeExperts.Pair p : moe.pairs()) {
        t.get(SessionFile.MOE_COSELECTION).row(Integer.toString(p.layer()), Integer.toString(p.expert1()),
            Integer.toString(p.expert2()), Long.toString(p.count()));
      }
      for (MoeLayers.LayerRow l : moeLayers.rows(moe)) {
        MoeLayers.Shape s = l.shape();
        t.get(SessionFile.MOE_LAYERS).row(Integer.toString(l.layer()), l.kind(),
            s == null ? "" : Integer.toString(s.routedExperts()), s == null ? "" : Integer.toString(s.sharedExperts()),
            s == null ? "" : Integer.toString(s.topK()), s == null ? "" : Integer.toString(s.groups()),
            s == null ? "" : Integer.toString(s.topkGroup()), num(l.tokens()), num(l.routedTokens()),
            num(l.sharedExpertTokens()), l.counts());
      }
      for (MoeExperts.WeightBin b : moe.weightHistogram()) {
        t.get(SessionFile.MOE_WEIGHT_HISTOGRAM).row(Integer.toString(b.layer()), Integer.toString(b.expert()),
            Fmt.fixed(b.lo(), 4), Fmt.fixed(b.hi(), 4), Long.toString(b.count()));
      }
    }

    void writeSummaries(OutputStage stage) throws IOException {
      write(stage, SummaryFile.FORWARD_PASS.fileName, forward.summary());
      write(stage, SummaryFile.CPU_TIMING.fileName, cpu.summary());
      write(stage, SummaryFile.BATCH_UTILIZATION.fileName, steps.batchSummary());
      write(stage, SummaryFile.PREEMPTION.fileName, requests.summary());
      write(stage, SummaryFile.ENCODER_DECODER.fileName, encdec.summary());
      Map<String, Object> moeSummary = new LinkedHashMap<>();
      moeSummary.put("layers", moe.balance());
      moeSummary.put("top_pairs", moe.topPairs(5));
      moeSummary.put("balanced_threshold_max_min_ratio", 2.0);
      write(stage, SummaryFile.MOE.fileName, moeSummary);
      stage.copy(SummaryFile.MOE.fileName, SessionFile.MOE_FOLDER + "/" + SummaryFile.MOE.fileName);
      try (OutputStream out = stage.create(SummaryFile.KV_CACHE.fileName)) {
        out.write(KvSummaryText.render(steps.kvSummary(), evictions.summary()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }

    private void write(OutputStage stage, String name, Object value) throws IOException {
      try (OutputStream out = stage.create(name)) {
        Json.write(out, value);
      }
    }
  }

  /** An optional count: empty where it is not known. */
  static String num(Long v) {
    return v == null ? "" : Long.toString(v);
  }

  /** Python's spelling of booleans, as vLLM's BatchDescriptor prints them. */
  static String py(boolean b) {
    return b ? "True" : "False";
  }
}
