package dev.profilemate.live;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.aggregate.MoeExperts;
import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.common.Json;
import dev.profilemate.session.ProcessInfo;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Records of one read of a session → a {@link LiveSnapshot}: each process's records go to its own
 * {@link ProcessStats}; the snapshot labels them with vLLM's model_name and engine and adds up the
 * processes of one engine (its scheduler and its workers).
 *
 * <p>engine is vLLM's engine index: an EngineCore's data-parallel rank (the probe reads it from
 * vLLM's process name, EngineCore_DP<i>), 0 for a process that runs the scheduler itself (LLM(...)
 * in one process, the demo). A worker's record does not say which engine it serves; with one
 * engine it is that engine's, with several (data parallel) its series say engine="unknown".
 */
public final class LiveAccumulator implements RecordConsumer, java.io.Serializable {
  static final String UNKNOWN_ENGINE = "unknown";

  private final RecordSchema schema;
  private final boolean moeExperts;
  private final Map<Integer, ProcessStats> byProcess = new TreeMap<>();
  private final Map<Integer, String> roles = new HashMap<>();
  private final Map<Integer, Integer> ranks = new HashMap<>();
  /** Each process's parallel identity: the MoE series count each token once (MoeTotals). */
  private final Map<Integer, dev.profilemate.session.ParallelIdentity> identities = new HashMap<>();
  private String modelName = "";
  private String model = "";
  private long records;

  /** moeExperts: also serve one series per (MoE layer, expert). */
  public LiveAccumulator(RecordSchema schema, List<ProcessInfo> processes, boolean moeExperts) {
    this.schema = schema;
    this.moeExperts = moeExperts;
    for (ProcessInfo p : processes) {
      roles.put(p.index(), p.role());
      ranks.put(p.index(), p.rank());
    }
  }

  /**
   * Processes found since this was made (collect's refreshes read a session a part at a time): their
   * role and rank from the spool, until a process_role record says otherwise.
   */
  public void processes(List<ProcessInfo> processes) {
    for (ProcessInfo p : processes) {
      roles.putIfAbsent(p.index(), p.role());
      ranks.putIfAbsent(p.index(), p.rank());
    }
  }

  @Override
  public void accept(SpoolRecord r) {
    records++;
    switch (r.name()) {
      case "process_role" -> {
        roles.put(r.process(), r.getString("role"));
        ranks.put(r.process(), r.getInt("rank"));
      }
      case "engine_config", "engine_config_v2" -> modelName(r.getString("json"));
      case dev.profilemate.session.ParallelIdentity.RECORD ->
          identities.put(r.process(), dev.profilemate.session.ParallelIdentity.of(r));
      default -> {}
    }
    byProcess.computeIfAbsent(r.process(), p -> new ProcessStats(schema)).accept(r);
  }

  @Override
  public void finish() {
    byProcess.values().forEach(ProcessStats::finish);
  }

  /** Whether vLLM's engine config (and so the model_name label) has been read. */
  public boolean modelKnown() {
    return !modelName.isEmpty() || !model.isEmpty();
  }

  /** Records read so far. */
  public long records() {
    return records;
  }

  private void modelName(String json) {
    try {
      JsonNode c = Json.mapper().readTree(json);
      if (c.path("served_model_name").isTextual() && !c.path("served_model_name").asText().isEmpty()) {
        modelName = c.path("served_model_name").asText();
      }
      if (c.path("model").isTextual() && !c.path("model").asText().isEmpty()) {
        model = c.path("model").asText();
      }
    } catch (java.io.IOException | RuntimeException e) {
      // a damaged config record: metadata.json's warnings say it; the label keeps its last value
    }
  }

  /**
   * The values read so far. finished: every profiled process has exited and this is the final read;
   * refreshedUnixSec: when the read was made.
   */
  public LiveSnapshot snapshot(boolean finished, double refreshedUnixSec) {
    // vLLM labels with served_model_name, which defaults to the model's path or name
    String model = !modelName.isEmpty() ? modelName : !this.model.isEmpty() ? this.model : "unknown";
    List<String> schedulers = new ArrayList<>();
    byProcess.forEach((p, s) -> {
      if (s.schedules() && !schedulers.contains(engineOf(p))) {
        schedulers.add(engineOf(p));
      }
    });
    String workerEngine = schedulers.size() == 1 ? schedulers.get(0) : schedulers.isEmpty() ? "0" : UNKNOWN_ENGINE;
    Map<List<String>, Object> merged = new TreeMap<>(LiveAccumulator::byMetricThenLabels);
    Map<List<String>, long[]> moe = new TreeMap<>(ProcessStats::compare);
    // under tensor parallelism every TP rank routes the same tokens: the series add one TP rank's
    // counts per DP rank, as the export's model-wide totals do (docs/multi-gpu.md)
    Map<Long, long[]> counts = new HashMap<>();
    byProcess.values().forEach(s -> counts.putAll(s.moe.counts()));
    dev.profilemate.aggregate.MoeTotals totals = dev.profilemate.aggregate.MoeTotals.of(counts, identities::get);
    byProcess.forEach((p, s) -> {
      String engine = s.schedules() || !"worker".equals(roles.get(p)) ? engineOf(p) : workerEngine;
      s.values((k, v) -> merge(merged, labelled(k, model, engine), v));
      for (MoeExperts.Activation a : s.moe.activations()) {
        if (!totals.counted(a.process(), a.layer())) {
          continue;
        }
        long[] c = moe.computeIfAbsent(List.of(engine, Integer.toString(a.layer())), k -> new long[0]);
        if (c.length <= a.expert()) {
          c = java.util.Arrays.copyOf(c, a.expert() + 1);
          moe.put(List.of(engine, Integer.toString(a.layer())), c);
        }
        c[a.expert()] += a.count();
      }
    });
    moe.forEach((k, c) -> moeSeries(merged, model, k.get(0), k.get(1), c));
    for (String engine : engines(schedulers)) {
      List<String> base = List.of(model, engine);
      merged.put(key(LiveMetric.RECORDS, base), (double) records);
      merged.put(key(LiveMetric.REFRESH_TIME, base), refreshedUnixSec);
      merged.put(key(LiveMetric.FINISHED, base), finished ? 1.0 : 0.0);
    }
    List<Series> out = new ArrayList<>();
    merged.forEach((k, v) -> {
      LiveMetric m = LiveMetric.valueOf(k.get(0));
      List<String> labels = k.subList(1, k.size());
      out.add(v instanceof HistogramValue h ? Series.histogram(m, labels, h) : Series.number(m, labels, (Double) v));
    });
    return new LiveSnapshot(out);
  }

  private static List<String> engines(List<String> schedulers) {
    return schedulers.isEmpty() ? List.of("0") : schedulers;
  }

  private void moeSeries(Map<List<String>, Object> merged, String model, String engine, String layer, long[] c) {
    long sum = 0;
    long max = 0;
    for (long x : c) {
      sum += x;
      max = Math.max(max, x);
    }
    List<String> base = List.of(model, engine, layer);
    merged.put(key(LiveMetric.MOE_ROUTED, base), (double) sum);
    merged.put(key(LiveMetric.MOE_IMBALANCE, base), MoeExperts.maxMin(c));
    merged.put(key(LiveMetric.MOE_HOTTEST_SHARE, base), sum > 0 ? (double) max / sum : 0.0);
    if (moeExperts) {
      for (int e = 0; e < c.length; e++) {
        merged.put(key(LiveMetric.MOE_EXPERT_TOKENS, List.of(model, engine, layer, Integer.toString(e))), (double) c[e]);
      }
    }
  }

  private String engineOf(int process) {
    String role = roles.getOrDefault(process, "main");
    int rank = ranks.getOrDefault(process, -1);
    return role.equals("engine_core") && rank > 0 ? Integer.toString(rank) : "0";
  }

  private static List<String> key(LiveMetric m, List<String> labels) {
    List<String> k = new ArrayList<>();
    k.add(m.name());
    k.addAll(labels);
    return k;
  }

  /** [metric, own labels...] → [metric, model_name, engine, own labels...]. */
  private static List<String> labelled(List<String> k, String model, String engine) {
    List<String> out = new ArrayList<>(k.size() + 2);
    out.add(k.get(0));
    out.add(model);
    out.add(engine);
    out.addAll(k.subList(1, k.size()));
    return out;
  }

  /** Counters and histograms of an engine's processes add up; a gauge comes from one process (its scheduler). */
  private static void merge(Map<List<String>, Object> merged, List<String> k, Object v) {
    merged.merge(k, v, (a, b) -> a instanceof HistogramValue h ? h.plus((HistogramValue) b)
        : LiveMetric.valueOf(k.get(0)).kind == LiveMetric.Kind.GAUGE ? a : (Double) a + (Double) b);
  }

  private static int byMetricThenLabels(List<String> a, List<String> b) {
    int c = Integer.compare(LiveMetric.valueOf(a.get(0)).ordinal(), LiveMetric.valueOf(b.get(0)).ordinal());
    return c != 0 ? c : ProcessStats.compare(a.subList(1, a.size()), b.subList(1, b.size()));
  }
}
