package dev.profilemate.export;

import dev.profilemate.aggregate.CaptureRules;
import dev.profilemate.aggregate.CaptureSettings;
import dev.profilemate.aggregate.CpuOperations;
import dev.profilemate.aggregate.EplbPlacements;
import dev.profilemate.aggregate.CudaGraphs;
import dev.profilemate.aggregate.EncoderDecoder;
import dev.profilemate.aggregate.ForwardPasses;
import dev.profilemate.aggregate.KvEvictions;
import dev.profilemate.aggregate.LatencyParts;
import dev.profilemate.aggregate.MoeExperts;
import dev.profilemate.aggregate.MoeLayers;
import dev.profilemate.aggregate.MoeTotals;
import dev.profilemate.aggregate.PrefixCacheMisses;
import dev.profilemate.aggregate.RankStragglers;
import dev.profilemate.aggregate.Ranks;
import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.RequestLifecycles;
import dev.profilemate.aggregate.SchedulerSteps;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.aggregate.SideLane;
import dev.profilemate.common.CsvTable;
import dev.profilemate.common.Fmt;
import dev.profilemate.common.Json;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The aggregators, each wired to the CSV its rows go to, and the files written from their totals
 * at the end, for {@link SessionExporter}. Apart from it so that an incremental collector (issue 23)
 * can feed the same aggregators and rows.
 */
final class Pipeline implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * A row sink: it looks its CSV up when called, not when made, so a pipeline restored from the
   * collector's checkpoint writes to the CSVs {@link #attach}ed to it (serializable for that).
   */
  private interface Sink<T> extends Consumer<T>, java.io.Serializable {}

  private transient Map<SessionFile, CsvTable.Writer> t;

  /**
   * The rank cells of the rows (issue 25), one per lane: {@link #mainRanks} is fed with the
   * consumers on the caller's thread, {@link #sideRanks} with those of the side lane, so each row
   * takes its process's identity as of its own record, whatever the threads' timing.
   */
  final Ranks mainRanks = new Ranks();
  final Ranks sideRanks = new Ranks();

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
  final PrefixCacheMisses prefixCache;
  final LatencyParts latency;
  final RankStragglers stragglers;
  final EplbPlacements eplb;
  final List<RecordConsumer> consumers;

  Pipeline(SessionClock clock, RecordSchema schema, CaptureSettings triggers, Map<SessionFile, CsvTable.Writer> t) {
    this.t = t;
    Sink<SchedulerSteps.Step> stepRows = s -> {
              out(SessionFile.KV_CACHE_USAGE).fixed(s.timestampSec(), 6).fixed(s.kvUsagePct(), 2).whole(s.kvUsedBlocks())
                  .whole(s.kvTotalBlocks()).preformatted(mainRanks.cells(s.process()), RANK_CELLS).end();
              out(SessionFile.BATCH_UTILIZATION).fixed(s.timestampSec(), 6).whole(s.numSeqs()).whole(s.maxNumSeqs())
                  .fixed(s.seqUtilizationPct(), 2).whole(s.numTokens()).whole(s.maxTokens())
                  .fixed(s.tokenUtilizationPct(), 2).text(s.phase()).whole(s.runningQueueLen())
                  .whole(s.waitingQueueLen()).whole(s.step()).whole(s.numPrefillTokens())
                  .whole(s.numDecodeTokens()).whole(s.numPreempted())
                  .preformatted(mainRanks.cells(s.process()), RANK_CELLS).end();
    };
    steps = new SchedulerSteps(clock, stepRows);
    Sink<KvEvictions.Eviction> evictionRows = e -> out(SessionFile.KV_CACHE_EVICTIONS).fixed(e.timestampSec(), 6).fixed(e.lifetimeSec(), 6).fixed(e.idleSec(), 6)
                .whole(e.blockId()).preformatted(sideRanks.cells(e.process()), RANK_CELLS).end();
    evictions = new KvEvictions(clock, evictionRows);
    Sink<RequestLifecycles.PreemptionEvent> preemptionRows = e -> out(SessionFile.PREEMPTION_EVENTS).fixed(e.timestampSec(), 6).text(e.requestId()).text(e.event()).text(e.reason())
                .fixed(e.runningTimeSec(), 6).text(e.extraInfo()).preformatted(mainRanks.cells(e.process()), RANK_CELLS)
                .end();
    Sink<RequestLifecycles.Lifecycle> lifecycleRows = l -> out(SessionFile.REQUEST_LIFECYCLE).text(l.requestId()).fixed(l.startedSec(), 6).fixed(l.preemptedSec(), 6).fixed(l.resumedSec(), 6)
                .fixed(l.finishedSec(), 6).fixed(l.totalTimeSec(), 6).fixed(l.preemptionDelaySec(), 6)
                .fixed(l.arrivalSec(), 6).fixed(l.firstTokenSec(), 6).whole(l.numPromptTokens())
                .whole(l.numOutputTokens()).whole(l.numPreemptions()).text(l.finishReason())
                .whole(l.recomputedTokens()).fixed(l.queueWaitSec(), 6).fixed(l.scheduledToFinishedSec(), 6)
                .fixed(l.lastPreemptedSec(), 6).fixed(l.lastResumedSec(), 6)
                .preformatted(mainRanks.cells(l.process()), RANK_CELLS).end();
    requests = new RequestLifecycles(clock, schema, preemptionRows, lifecycleRows);
    Sink<CpuOperations.Operation> cpuRows = o -> out(SessionFile.CPU_OPERATIONS).fixed(o.timestampSec(), 6).text(o.operation()).fixed(o.durationMs(), 3)
        .text(o.context()).preformatted(sideRanks.cells(o.process()), RANK_CELLS).end();
    cpu = new CpuOperations(clock, cpuRows);
    Sink<ForwardPasses.Pass> forwardRows = f -> out(SessionFile.FORWARD_PASS).fixed(f.timestampSec(), 6).text(f.phase()).whole(f.batchSize())
                .whole(f.numTokens()).fixed(f.forwardTimeMs(), 3).fixed(f.throughputTokensPerSec(), 1)
                .preformatted(mainRanks.cells(f.process()), RANK_CELLS).end();
    forward = new ForwardPasses(clock, schema, forwardRows);
    Sink<RankStragglers.Row> stragglerRows = r -> out(SessionFile.RANK_STRAGGLERS).whole(r.step())
        .fixed(r.timestampSec(), 6).whole(r.dpRank()).whole(r.ppRank()).whole(r.tpSize()).text(r.phase())
        .whole(r.numTokens()).whole(r.slowestTpRank()).text(r.slowestNode()).fixed(r.lagMs(), 3)
        .fixed(r.startLagMs(), 3).fixed(r.forwardLagMs(), 3).text(r.lagIn()).end();
    stragglers = new RankStragglers(clock, schema, stragglerRows);
    Sink<CudaGraphs.Replay> replayRows = r -> out(SessionFile.CUDA_GRAPH_TIMELINE).fixed(r.timestampSec(), 6).text(r.descriptor().label()).fixed(r.durationMs(), 3)
                .text(r.descriptor().runtimeMode()).whole(r.descriptor().numTokens())
                .text(r.descriptor().numReqsText()).text(py(r.descriptor().uniform()))
                .text(py(r.descriptor().hasLora())).preformatted(sideRanks.cells(r.process()), RANK_CELLS).end();
    graphs = new CudaGraphs(clock, replayRows);
    Sink<MoeExperts.Imbalance> imbalanceRows = i -> out(SessionFile.MOE_IMBALANCE).whole(i.layer()).fixed(i.timestampSec(), 6).fixed(i.stdDev(), 3)
        .fixed(i.maxMinRatio(), 3).preformatted(sideRanks.cells(i.process()), RANK_CELLS).end();
    Sink<MoeExperts.WeightSample> weightRows = w -> out(SessionFile.MOE_WEIGHTS).whole(w.layer()).whole(w.tokenIdx()).whole(w.expert()).fixed(w.weight(), 6)
        .preformatted(sideRanks.cells(w.process()), RANK_CELLS).end();
    moe = new MoeExperts(clock, imbalanceRows, weightRows);
    Sink<EncoderDecoder.Timing> encoderRows = e -> out(SessionFile.ENCODER_DECODER).fixed(e.timestampSec(), 6).text(e.component()).fixed(e.durationMs(), 3)
        .text(e.context()).preformatted(mainRanks.cells(e.process()), RANK_CELLS).end();
    encdec = new EncoderDecoder(clock, encoderRows);
    captures = new CaptureRules(triggers, clock, schema);
    Sink<LatencyParts.Row> latencyRows = r -> LatencyRows.write(out(SessionFile.LATENCY_PARTS), r,
        mainRanks.cells(r.process()));
    latency = new LatencyParts(clock, schema, latencyRows);
    prefixCache = new PrefixCacheMisses(clock);
    eplb = new EplbPlacements(clock);
    // the rank tables first, so a row made from a record after its process's identity has its ranks
    consumers = List.of(mainRanks, sideRanks, steps, evictions, requests, cpu, forward, graphs, moe, moeLayers, encdec,
        captures, latency, prefixCache, stragglers, eplb);
  }

  /**
   * The consumers fed on a second thread ({@link SideLane}) where there is a second core: the
   * heavier half of the aggregating and CSV writing, so that with the spool decoding the two cores
   * both work: on the H100 session mix (bench/make_session.py) the two threads then spend about
   * the same CPU time (measured per thread at 10M records). None of them shares state with another.
   */
  List<RecordConsumer> sideLane() {
    return List.of(sideRanks, evictions, cpu, moe, graphs);
  }

  /** The consumers the caller's thread feeds itself: the others, in their order. */
  List<RecordConsumer> mainLane() {
    List<RecordConsumer> side = sideLane();
    return consumers.stream().filter(c -> !side.contains(c)).toList();
  }

  /** Cells of {@link Ranks#COLUMNS} at the end of every per-step row. */
  static final int RANK_CELLS = Ranks.COLUMNS.size();

  /** The session's processes so far: their hosts are the node cells until their identities arrive. */
  void processes(List<dev.profilemate.session.ProcessInfo> processes) {
    mainRanks.hosts(processes);
    sideRanks.hosts(processes);
  }

  /** The CSVs the rows go to from now on (a pipeline restored from a checkpoint has none). */
  void attach(Map<SessionFile, CsvTable.Writer> t) {
    this.t = t;
  }

  /** The CSVs {@link #writeEndTables} writes whole from the totals; the others get rows as records come. */
  static final java.util.Set<SessionFile> END_TABLES = java.util.EnumSet.of(SessionFile.CAPTURE_WINDOWS,
      SessionFile.CUDA_GRAPH_CAPTURES, SessionFile.CUDA_GRAPH_USAGE, SessionFile.MOE_ACTIVATIONS,
      SessionFile.MOE_COSELECTION, SessionFile.MOE_LAYERS, SessionFile.MOE_WEIGHT_HISTOGRAM,
      SessionFile.PREFIX_CACHE_REQUESTS, SessionFile.EPLB_PLACEMENTS);

  private CsvTable.Writer out(SessionFile f) {
    return t.get(f);
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
    // per process, each row with its ranks and whether the model-wide totals take it (MoeTotals); the
    // lanes are done here, so either rank table has every identity
    MoeTotals totals = moeTotals();
    for (MoeExperts.Activation a : moe.activations()) {
      t.get(SessionFile.MOE_ACTIVATIONS).whole(a.layer()).whole(a.expert()).whole(a.count())
          .text(Fmt.pct(a.percentage())).text(py(totals.counted(a.process(), a.layer())))
          .preformatted(mainRanks.cells(a.process()), RANK_CELLS).end();
    }
    for (MoeExperts.Pair p : moe.pairs()) {
      t.get(SessionFile.MOE_COSELECTION).whole(p.layer()).whole(p.expert1()).whole(p.expert2()).whole(p.count())
          .text(py(totals.counted(p.process(), p.layer()))).preformatted(mainRanks.cells(p.process()), RANK_CELLS)
          .end();
    }
    for (MoeLayers.LayerRow l : moeLayers.rows(moe, totals, mainRanks::identity)) {
      MoeLayers.Shape s = l.shape();
      CsvTable.Writer w = t.get(SessionFile.MOE_LAYERS).whole(l.layer()).text(l.kind());
      if (s == null) {
        w.text("").text("").text("").text("").text("");
      } else {
        w.whole(s.routedExperts()).whole(s.sharedExperts()).whole(s.topK()).whole(s.groups()).whole(s.topkGroup());
      }
      w.text(num(l.tokens())).text(num(l.routedTokens())).text(num(l.sharedExpertTokens())).text(l.counts())
          .text(l.inModelTotal() == null ? "" : py(l.inModelTotal()))
          .preformatted(mainRanks.cells(l.process()), RANK_CELLS).end();
    }
    PrefixCacheRows.write(t.get(SessionFile.PREFIX_CACHE_REQUESTS), prefixCache.rows(), mainRanks);
    for (EplbPlacements.Row r : eplb.rows(totals)) {
      t.get(SessionFile.EPLB_PLACEMENTS).whole(r.placement()).text(Fmt.sec(r.timestampSec())).text(r.event())
          .whole(r.layer()).whole(r.epSize()).whole(r.physical()).whole(r.routed())
          .text(r.routed() > 0 ? Fmt.fixed(r.imbalance(), 4) : "")
          .text(Double.isNaN(r.vllmImbalance()) ? "" : Fmt.fixed(r.vllmImbalance(), 4))
          .text(r.counts() == null ? "" : joined(r.counts())).end();
    }
    for (MoeExperts.WeightBin b : moe.weightHistogram()) {
      t.get(SessionFile.MOE_WEIGHT_HISTOGRAM).whole(b.layer()).whole(b.expert()).text(Fmt.fixed(b.lo(), 4))
          .text(Fmt.fixed(b.hi(), 4)).whole(b.count()).text(py(totals.counted(b.process(), b.layer())))
          .preformatted(mainRanks.cells(b.process()), RANK_CELLS).end();
    }
  }

  private static String joined(long[] counts) {
    StringBuilder b = new StringBuilder();
    for (long c : counts) {
      b.append(b.length() == 0 ? "" : " ").append(c);
    }
    return b.toString();
  }

  /** Which processes' MoE counts the model-wide figures take (after the records are all read). */
  MoeTotals moeTotals() {
    return MoeTotals.of(moe.counts(), mainRanks::identity);
  }

  /** metadata.json warnings of the aggregators that have their own. */
  List<String> warnings() {
    List<String> w = new java.util.ArrayList<>(moe.warnings());
    w.addAll(moeTotals().warnings());
    w.addAll(stragglers.warnings());
    return w;
  }

  void writeSummaries(OutputStage stage) throws IOException {
    write(stage, SummaryFile.FORWARD_PASS.fileName, forward.summary());
    write(stage, SummaryFile.CPU_TIMING.fileName, cpu.summary());
    write(stage, SummaryFile.BATCH_UTILIZATION.fileName, steps.batchSummary());
    write(stage, SummaryFile.PREEMPTION.fileName, requests.summary());
    write(stage, SummaryFile.ENCODER_DECODER.fileName, encdec.summary());
    write(stage, SummaryFile.LATENCY.fileName, latency.summary());
    write(stage, SummaryFile.PREFIX_CACHE.fileName, prefixCache.summary());
    Map<String, Object> moeSummary = new LinkedHashMap<>();
    MoeTotals totals = moeTotals();
    moeSummary.put("layers", moe.balance(totals));
    moeSummary.put("top_pairs", moe.topPairs(5, totals));
    moeSummary.put("balanced_threshold_max_min_ratio", 2.0);
    write(stage, SummaryFile.MOE.fileName, moeSummary);
    stage.copy(SummaryFile.MOE.fileName, SessionFile.MOE_FOLDER + "/" + SummaryFile.MOE.fileName);
    try (OutputStream out = stage.create(SummaryFile.KV_CACHE.fileName)) {
      out.write(KvSummaryText.render(steps.kvSummary(), evictions.summary(), prefixCache.summary()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  private void write(OutputStage stage, String name, Object value) throws IOException {
    try (OutputStream out = stage.create(name)) {
      Json.write(out, value);
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
