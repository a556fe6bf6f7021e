package dev.profilemate.live;

import dev.profilemate.aggregate.CpuOperations;
import dev.profilemate.aggregate.CudaGraphs;
import dev.profilemate.aggregate.ForwardPasses;
import dev.profilemate.aggregate.KvEvictions;
import dev.profilemate.aggregate.MoeExperts;
import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.RequestLifecycles;
import dev.profilemate.aggregate.SchedulerSteps;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * One profiled process's share of the live metrics. The rows come from the same aggregators that
 * write the session files (fed only this process's records), so a metric and its file agree by
 * construction; this class only sorts the rows into counters and histograms.
 */
final class ProcessStats implements RecordConsumer, java.io.Serializable {
  /** Seconds since an arbitrary origin: only differences (step intervals) are used. */
  private static final SessionClock CLOCK = new SessionClock(0);

  private final List<RecordConsumer> aggregators;
  final MoeExperts moe = new MoeExperts(CLOCK, sink(i -> {}), sink(w -> {}));
  private final Map<List<String>, HistogramValue.Accumulator> histograms = new TreeMap<>(ProcessStats.ORDER);
  private final Map<List<String>, double[]> counters = new TreeMap<>(ProcessStats.ORDER);
  private final GraphJoin graphs = new GraphJoin();
  private SchedulerSteps.Step last;
  private String lastPhase;
  private double lastStepSec = Double.NaN;

  ProcessStats(RecordSchema schema) {
    SchedulerSteps steps = new SchedulerSteps(CLOCK, sink(this::step));
    KvEvictions evictions = new KvEvictions(CLOCK, sink(e -> {
      observe(LiveMetric.EVICTION_IDLE, e.idleSec());
      observe(LiveMetric.EVICTION_LIFETIME, e.lifetimeSec());
    }));
    RequestLifecycles requests = new RequestLifecycles(CLOCK, schema, sink(e -> {
      if (e.event().equals("preempted")) {
        add(LiveMetric.PREEMPTIONS, 1, e.reason());
      }
    }), sink(l -> {}));
    CpuOperations cpu = new CpuOperations(CLOCK, sink(o -> observe(LiveMetric.CPU_TIME, o.durationMs() / 1e3, o.operation())));
    ForwardPasses forward = new ForwardPasses(CLOCK, schema, sink(p -> {
      observe(LiveMetric.FORWARD_TIME, p.forwardTimeMs() / 1e3, p.phase());
      graphs.pass(p);
    }));
    CudaGraphs cuda = new CudaGraphs(CLOCK, sink(graphs::replay));
    aggregators = List.of(steps, evictions, requests, cpu, forward, cuda, moe);
  }

  @Override
  public void accept(SpoolRecord r) {
    for (RecordConsumer c : aggregators) {
      c.accept(r);
    }
  }

  @Override
  public void finish() {
    for (RecordConsumer c : aggregators) {
      c.finish();
    }
    graphs.finish();
  }

  private void step(SchedulerSteps.Step s) {
    // a step lasts until the engine's next schedule(): the last step of a refresh is timed by the next one
    if (lastPhase != null) {
      observe(LiveMetric.STEP_DURATION, s.timestampSec() - lastStepSec, lastPhase);
    }
    lastPhase = s.phase();
    lastStepSec = s.timestampSec();
    last = s;
    add(LiveMetric.STEPS, 1, s.phase());
    add(LiveMetric.SCHEDULED_TOKENS, s.numPrefillTokens(), "prefill");
    add(LiveMetric.SCHEDULED_TOKENS, s.numDecodeTokens(), "decode");
    if (s.phase().equals("idle")) {
      return; // fill and tokens per step are over steps that scheduled something, as batch_utilization_summary.json
    }
    observe(LiveMetric.STEP_TOKENS, s.numTokens(), s.phase());
    observe(LiveMetric.BATCH_FILL, s.seqUtilizationPct() / 100, "requests");
    observe(LiveMetric.BATCH_FILL, s.tokenUtilizationPct() / 100, "tokens");
  }

  private void observe(LiveMetric m, double v, String... labels) {
    histograms.computeIfAbsent(key(m, labels), k -> new HistogramValue.Accumulator(m.bounds)).observe(v);
  }

  private void add(LiveMetric m, double v, String... labels) {
    counters.computeIfAbsent(key(m, labels), k -> new double[1])[0] += v;
  }

  private static List<String> key(LiveMetric m, String... labels) {
    String[] k = new String[labels.length + 1];
    k[0] = m.name();
    System.arraycopy(labels, 0, k, 1, labels.length);
    return List.of(k);
  }

  /**
   * The sinks are serializable lambdas: collect's checkpoint holds these stats with the session's
   * aggregators (docs/collect.md).
   */
  private interface Sink<T> extends java.util.function.Consumer<T>, java.io.Serializable {}

  private static <T> Sink<T> sink(Sink<T> s) {
    return s;
  }

  /** {@link #compare}, serializable for the checkpoint's TreeMaps. */
  static final java.util.Comparator<List<String>> ORDER =
      (java.util.Comparator<List<String>> & java.io.Serializable) ProcessStats::compare;

  static int compare(List<String> a, List<String> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** Whether this process scheduled (an EngineCore, or a process that runs the scheduler in-process). */
  boolean schedules() {
    return last != null;
  }

  /**
   * Hands every value to out as (key, value): key = [metric name, its labels...]; a value is a
   * Double (counter or gauge) or a HistogramValue. MoE values are left to the caller, which adds up
   * the counts of an engine's workers before it computes a ratio.
   */
  void values(BiConsumer<List<String>, Object> out) {
    counters.forEach((k, v) -> out.accept(k, v[0]));
    histograms.forEach((k, v) -> out.accept(k, v.value()));
    graphs.values(out);
    if (last != null) {
      out.accept(key(LiveMetric.KV_USAGE), last.kvUsagePct() / 100);
      out.accept(key(LiveMetric.KV_USED_BLOCKS), (double) last.kvUsedBlocks());
      out.accept(key(LiveMetric.KV_TOTAL_BLOCKS), (double) last.kvTotalBlocks());
      out.accept(key(LiveMetric.MAX_NUM_SEQS), (double) last.maxNumSeqs());
      out.accept(key(LiveMetric.MAX_NUM_BATCHED_TOKENS), (double) last.maxTokens());
    }
  }
}
