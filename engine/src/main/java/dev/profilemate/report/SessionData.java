package dev.profilemate.report;

import dev.profilemate.common.CsvTable;
import dev.profilemate.common.UserDataException;
import dev.profilemate.export.SessionFile;
import dev.profilemate.report.SessionRows.CpuOperation;
import dev.profilemate.report.SessionRows.EncoderDecoderTiming;
import dev.profilemate.report.SessionRows.Eviction;
import dev.profilemate.report.SessionRows.ExpertActivation;
import dev.profilemate.report.SessionRows.ExpertPair;
import dev.profilemate.report.SessionRows.ForwardStep;
import dev.profilemate.report.SessionRows.Graph;
import dev.profilemate.report.SessionRows.KvSample;
import dev.profilemate.report.SessionRows.LayerImbalance;
import dev.profilemate.report.SessionRows.PreemptionEvent;
import dev.profilemate.report.SessionRows.Request;
import dev.profilemate.report.SessionRows.SchedulerStep;
import dev.profilemate.report.SessionRows.WeightBin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * A session folder's files (SPEC.md §2) read into typed rows: the CSVs with FastCSV, metadata.json
 * with Jackson. Works on any exported folder; never reads the raw spools.
 */
record SessionData(
    Path dir,
    SessionMetadata metadata,
    Map<SessionFile, CsvTable> tables,
    List<KvSample> kvUsage,
    List<Eviction> evictions,
    KvCounters kvCounters,
    List<SchedulerStep> steps,
    List<ForwardStep> forward,
    List<CpuOperation> cpu,
    List<Graph> graphCaptures,
    List<Graph> graphUsage,
    List<PreemptionEvent> preemptions,
    List<Request> requests,
    List<ExpertActivation> moeActivations,
    List<ExpertPair> moeCoselection,
    List<LayerImbalance> moeImbalance,
    List<WeightBin> moeWeightBins,
    List<Double> moeWeightSamples,
    List<EncoderDecoderTiming> encoderDecoder) {

  /** Block counters that only kv_cache_summary.txt carries (allocations, prefix-cache hits). */
  record KvCounters(double blocksAllocated, double prefixHitBlocks) {
    static final KvCounters NONE = new KvCounters(Double.NaN, Double.NaN);
  }

  /** No session: every file absent ({@code dir} null), for a report made from kernel traces alone. */
  static SessionData none() {
    Map<SessionFile, CsvTable> t = new EnumMap<>(SessionFile.class);
    for (SessionFile f : SessionFile.values()) {
      t.put(f, CsvTable.absent(f.fileName));
    }
    return new SessionData(null, SessionMetadata.empty(), Map.copyOf(t), List.of(), List.of(), KvCounters.NONE,
        List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
        List.of(), List.of(), List.of());
  }

  static SessionData read(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new UserDataException(dir + ": not a session directory (no such folder)");
    }
    Map<SessionFile, CsvTable> t = new EnumMap<>(SessionFile.class);
    for (SessionFile f : SessionFile.values()) {
      Path p = dir.resolve(f.fileName);
      if (!Files.isRegularFile(p) && f.isMoe()) {
        p = dir.resolve(SessionFile.MOE_FOLDER).resolve(f.fileName);
      }
      t.put(f, CsvTable.read(p));
    }
    SessionMetadata meta = SessionMetadata.read(dir.resolve("metadata.json"));
    if (!meta.present() && t.values().stream().noneMatch(CsvTable::present)) {
      String hint = Files.isDirectory(dir.resolve("raw"))
          ? " (it holds raw spools only: run `profilemate export " + dir + "` first)"
          : " (no metadata.json and no session CSV files)";
      throw new UserDataException(dir + ": not an exported session directory" + hint);
    }
    return new SessionData(
        dir,
        meta,
        Map.copyOf(t),
        byTime(rows(t, SessionFile.KV_CACHE_USAGE, (c, r) -> new KvSample(c.number(r, "timestamp_sec"),
            c.number(r, "usage_pct"), c.whole(r, "num_blocks"), c.whole(r, "total_blocks"))), KvSample::timeSec),
        rows(t, SessionFile.KV_CACHE_EVICTIONS, (c, r) -> new Eviction(c.number(r, "timestamp_sec"),
            c.number(r, "lifetime_sec"), c.number(r, "idle_sec"))),
        kvCounters(dir.resolve("kv_cache_summary.txt")),
        byTime(rows(t, SessionFile.BATCH_UTILIZATION, SessionData::step), SchedulerStep::timeSec),
        byTime(rows(t, SessionFile.FORWARD_PASS, (c, r) -> new ForwardStep(c.number(r, "timestamp_sec"),
            c.text(r, "phase"), c.whole(r, "batch_size"), c.whole(r, "num_tokens"), c.number(r, "forward_time_ms"))),
            ForwardStep::timeSec),
        rows(t, SessionFile.CPU_OPERATIONS, (c, r) -> new CpuOperation(c.number(r, "timestamp_sec"),
            c.text(r, "operation"), c.number(r, "duration_ms"))),
        rows(t, SessionFile.CUDA_GRAPH_CAPTURES, SessionData::graph),
        rows(t, SessionFile.CUDA_GRAPH_USAGE, SessionData::graph),
        rows(t, SessionFile.PREEMPTION_EVENTS, (c, r) -> new PreemptionEvent(c.number(r, "timestamp_sec"),
            c.text(r, "request_id"), c.text(r, "event"), c.text(r, "reason"), c.text(r, "extra_info"))),
        rows(t, SessionFile.REQUEST_LIFECYCLE, SessionData::request),
        rows(t, SessionFile.MOE_ACTIVATIONS, (c, r) -> new ExpertActivation((int) c.whole(r, "layer_idx"),
            (int) c.whole(r, "expert_id"), c.whole(r, "activation_count"), c.number(r, "percentage"))),
        rows(t, SessionFile.MOE_COSELECTION, (c, r) -> new ExpertPair((int) c.whole(r, "layer_idx"),
            (int) c.whole(r, "expert_id_1"), (int) c.whole(r, "expert_id_2"), c.whole(r, "coselection_count"))),
        byTime(rows(t, SessionFile.MOE_IMBALANCE, (c, r) -> new LayerImbalance((int) c.whole(r, "layer_idx"),
            c.number(r, "timestamp_sec"), c.number(r, "std_dev"), c.number(r, "max_min_ratio"))),
            LayerImbalance::timeSec),
        rows(t, SessionFile.MOE_WEIGHT_HISTOGRAM, (c, r) -> new WeightBin((int) c.whole(r, "layer_idx"),
            (int) c.whole(r, "expert_id"), c.number(r, "weight_lo"), c.number(r, "weight_hi"), c.whole(r, "count"))),
        rows(t, SessionFile.MOE_WEIGHTS, (c, r) -> c.number(r, "weight")),
        rows(t, SessionFile.ENCODER_DECODER, (c, r) -> new EncoderDecoderTiming(c.number(r, "timestamp_sec"),
            c.text(r, "component"), c.number(r, "duration_ms"))));
  }

  CsvTable table(SessionFile f) {
    return tables.get(f);
  }

  private static <T> List<T> rows(Map<SessionFile, CsvTable> t, SessionFile f, BiFunction<CsvTable, String[], T> map) {
    CsvTable c = t.get(f);
    List<T> out = new ArrayList<>(c.rows().size());
    for (String[] r : c.rows()) {
      out.add(map.apply(c, r));
    }
    return List.copyOf(out);
  }

  /** Files are written in time order; sorting again (stable) keeps joins by time correct for any writer. */
  private static <T> List<T> byTime(List<T> l, java.util.function.ToDoubleFunction<T> time) {
    return l.stream().sorted(Comparator.comparingDouble(time)).toList();
  }

  private static SchedulerStep step(CsvTable c, String[] r) {
    return new SchedulerStep(c.number(r, "timestamp_sec"), c.whole(r, "num_seqs"), c.whole(r, "max_num_seqs"),
        c.number(r, "seq_utilization_pct"), c.whole(r, "num_tokens"), c.whole(r, "max_tokens"),
        c.number(r, "token_utilization_pct"), c.text(r, "phase"), c.whole(r, "running_queue_len"),
        c.whole(r, "waiting_queue_len"), c.number(r, "num_prefill_tokens"), c.number(r, "num_preempted"));
  }

  private static Graph graph(CsvTable c, String[] r) {
    return new Graph(c.text(r, "runtime_mode"), c.whole(r, "num_tokens"), c.text(r, "num_reqs"),
        c.text(r, "uniform"), c.text(r, "has_lora"), c.whole(r, "replay_count"), c.number(r, "capture_time_sec"));
  }

  private static Request request(CsvTable c, String[] r) {
    return new Request(c.text(r, "request_id"), c.number(r, "arrival_sec"), c.number(r, "started_sec"),
        c.number(r, "first_token_sec"), c.number(r, "finished_sec"), c.number(r, "preempted_sec"),
        c.number(r, "resumed_sec"), c.number(r, "preemption_delay_sec"), c.number(r, "queue_wait_sec"),
        c.whole(r, "num_prompt_tokens"), c.whole(r, "num_output_tokens"), c.whole(r, "num_preemptions"),
        c.whole(r, "recomputed_tokens"), c.text(r, "finish_reason"));
  }

  /** "blocks allocated:" and "prefix-cache hit blocks:" from the human-readable KV summary. */
  static KvCounters kvCounters(Path file) {
    if (!Files.isRegularFile(file)) {
      return KvCounters.NONE;
    }
    try (Stream<String> lines = Files.lines(file)) {
      double[] v = {Double.NaN, Double.NaN};
      lines.forEach(l -> {
        int colon = l.indexOf(':');
        if (colon < 0) {
          return;
        }
        String key = l.substring(0, colon).strip();
        String value = l.substring(colon + 1).strip();
        if (key.equals("blocks allocated")) {
          v[0] = parse(value);
        } else if (key.equals("prefix-cache hit blocks")) {
          v[1] = parse(value);
        }
      });
      return new KvCounters(v[0], v[1]);
    } catch (IOException | java.io.UncheckedIOException e) {
      return KvCounters.NONE;
    }
  }

  private static double parse(String s) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
