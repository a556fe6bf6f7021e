package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import dev.profilemate.common.CsvTable;
import dev.profilemate.common.UserDataException;
import dev.profilemate.export.SessionFile;
import dev.profilemate.report.SessionRows.ExpertActivation;
import dev.profilemate.report.SessionRows.ExpertPair;
import dev.profilemate.report.SessionRows.Graph;
import dev.profilemate.report.SessionRows.LayerImbalance;
import dev.profilemate.report.SessionRows.WeightBin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A session folder's files (SPEC.md §2) as the report needs them, read with FastCSV without a
 * String per cell ({@link CsvRows}): the per-step files in time order as numeric columns (they are
 * joined by time and drawn over time), the files of millions of rows (evictions, CPU calls,
 * requests, preemption events, sampled router weights) summed and spread while streaming, the
 * small files (graphs, MoE tables, capture windows) as rows. Memory grows with the steps of a
 * session, a few dozen bytes each, not with its records. metadata.json with Jackson. Works on any
 * exported folder; never reads the raw spools.
 */
record SessionData(
    Path dir,
    SessionMetadata metadata,
    Map<SessionFile, CsvRows.Shape> files,
    KvUsageRows kvUsage,
    long evictions,
    Distribution.Summary evictedBlockLifetimeSec,
    KvCounters kvCounters,
    SchedulerStepRows steps,
    ForwardStepRows forward,
    SortedMap<String, Distribution.Summary> cpuByOperation,
    List<Graph> graphCaptures,
    List<Graph> graphUsage,
    PreemptionEvents preemptions,
    RequestSummary requests,
    List<ExpertActivation> moeActivations,
    List<ExpertPair> moeCoselection,
    List<LayerImbalance> moeImbalance,
    List<WeightBin> moeWeightBins,
    WeightSamples moeWeightSamples,
    List<SessionRows.EplbPlacementRow> eplbPlacements,
    SortedMap<String, Distribution.Summary> encoderDecoderByComponent,
    CsvTable captureWindows) {

  /** Block counters that only kv_cache_summary.txt carries (allocations, prefix-cache hits). */
  record KvCounters(double blocksAllocated, double prefixHitBlocks) {
    static final KvCounters NONE = new KvCounters(Double.NaN, Double.NaN);
  }

  /** No session: every file absent ({@code dir} null), for a report made from kernel traces alone. */
  static SessionData none() {
    Map<SessionFile, CsvRows.Shape> t = new EnumMap<>(SessionFile.class);
    for (SessionFile f : SessionFile.values()) {
      t.put(f, CsvRows.Shape.absent(f.fileName));
    }
    return new SessionData(null, SessionMetadata.empty(), Map.copyOf(t), KvUsageRows.EMPTY, 0,
        Distribution.Summary.EMPTY, KvCounters.NONE, SchedulerStepRows.EMPTY, ForwardStepRows.EMPTY,
        DurationsByName.NONE, List.of(), List.of(), PreemptionEvents.NONE, RequestSummary.NONE, List.of(),
        List.of(), List.of(), List.of(), WeightSamples.NONE, List.of(), DurationsByName.NONE,
        CsvTable.absent(SessionFile.CAPTURE_WINDOWS.fileName));
  }

  static SessionData read(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new UserDataException(dir + ": not a session directory (no such folder)");
    }
    SessionFiles files = new SessionFiles(dir);
    KvUsageRows kv = files.stream(SessionFile.KV_CACHE_USAGE, h -> new KvUsageRows.Reader(h, files.lines(SessionFile.KV_CACHE_USAGE)), KvUsageRows.Reader::rows,
        KvUsageRows.EMPTY);
    EvictionLifetimes.Reader evictions = files.stream(SessionFile.KV_CACHE_EVICTIONS, EvictionLifetimes.Reader::new,
        r -> r, null);
    SchedulerStepRows steps = files.stream(SessionFile.BATCH_UTILIZATION,
        h -> new SchedulerStepRows.Reader(h, files.lines(SessionFile.BATCH_UTILIZATION)),
        SchedulerStepRows.Reader::rows, SchedulerStepRows.EMPTY);
    ForwardStepRows forward = files.stream(SessionFile.FORWARD_PASS,
        h -> new ForwardStepRows.Reader(h, files.lines(SessionFile.FORWARD_PASS)),
        ForwardStepRows.Reader::rows, ForwardStepRows.EMPTY);
    SortedMap<String, Distribution.Summary> cpu = files.stream(SessionFile.CPU_OPERATIONS,
        h -> new DurationsByName.Reader(h, "operation", "duration_ms"), DurationsByName.Reader::summaries,
        DurationsByName.NONE);
    RequestSummary requests = files.stream(SessionFile.REQUEST_LIFECYCLE, RequestSummary.Reader::new,
        RequestSummary.Reader::summary, RequestSummary.NONE);
    PreemptionEvents events = files.stream(SessionFile.PREEMPTION_EVENTS,
        h -> new PreemptionEvents.Reader(h, requests.slowestIds()), PreemptionEvents.Reader::events,
        PreemptionEvents.NONE);
    List<Graph> captures = files.rows(SessionFile.CUDA_GRAPH_CAPTURES, SessionData::graph);
    List<Graph> usage = files.rows(SessionFile.CUDA_GRAPH_USAGE, SessionData::graph);
    // the model-wide MoE figures: the rows the export marks in_model_total (each token once, docs/multi-gpu.md)
    List<ExpertActivation> activations = files.rows(SessionFile.MOE_ACTIVATIONS, c -> !c.inModelTotal() ? null
        : new ExpertActivation((int) c.whole("layer_idx"), (int) c.whole("expert_id"), c.whole("activation_count"),
            c.number("percentage")));
    List<ExpertPair> pairs = files.rows(SessionFile.MOE_COSELECTION, c -> !c.inModelTotal() ? null
        : new ExpertPair((int) c.whole("layer_idx"), (int) c.whole("expert_id_1"), (int) c.whole("expert_id_2"),
            c.whole("coselection_count")));
    List<LayerImbalance> imbalance = byTime(files.rows(SessionFile.MOE_IMBALANCE, c -> new LayerImbalance(
        (int) c.whole("layer_idx"), c.number("timestamp_sec"), c.number("std_dev"), c.number("max_min_ratio"))),
        LayerImbalance::timeSec);
    List<WeightBin> bins = files.rows(SessionFile.MOE_WEIGHT_HISTOGRAM, c -> !c.inModelTotal() ? null
        : new WeightBin((int) c.whole("layer_idx"), (int) c.whole("expert_id"), c.number("weight_lo"),
            c.number("weight_hi"), c.whole("count")));
    WeightSamples samples = files.stream(SessionFile.MOE_WEIGHTS, WeightSamples.Reader::new,
        WeightSamples.Reader::samples, WeightSamples.NONE);
    List<SessionRows.EplbPlacementRow> placements = files.rows(SessionFile.EPLB_PLACEMENTS, SessionData::placement);
    SortedMap<String, Distribution.Summary> encoder = files.stream(SessionFile.ENCODER_DECODER,
        h -> new DurationsByName.Reader(h, "component", "duration_ms"), DurationsByName.Reader::summaries,
        DurationsByName.NONE);
    CsvTable windows = files.table(SessionFile.CAPTURE_WINDOWS);
    SessionMetadata meta = SessionMetadata.read(dir.resolve("metadata.json"));
    boolean anyFile = false;
    for (SessionFile f : SessionFile.values()) {
      anyFile |= Files.isRegularFile(path(dir, f));
    }
    if (!meta.present() && !anyFile) {
      String hint = Files.isDirectory(dir.resolve("raw"))
          ? " (it holds raw spools only: run `profilemate export " + dir + "` first)"
          : " (no metadata.json and no session CSV files)";
      throw new UserDataException(dir + ": not an exported session directory" + hint);
    }
    return new SessionData(dir, meta, files.shapes(), kv, evictions == null ? 0 : evictions.count(),
        evictions == null ? Distribution.Summary.EMPTY : evictions.lifetimeSec(),
        kvCounters(dir.resolve("kv_cache_summary.txt")), steps, forward, cpu, captures, usage, events, requests,
        activations, pairs, imbalance, bins, samples, placements, encoder, windows);
  }

  /** Whether the file was there and how many rows it had (only the files the report reads). */
  CsvRows.Shape file(SessionFile f) {
    return files.getOrDefault(f, CsvRows.Shape.absent(f.fileName));
  }

  /** Where a session file is: MoE files may be in the original tool's moe_expert_tracking/ folder. */
  private static Path path(Path dir, SessionFile f) {
    Path p = dir.resolve(f.fileName);
    if (!Files.isRegularFile(p) && f.isMoe()) {
      p = dir.resolve(SessionFile.MOE_FOLDER).resolve(f.fileName);
    }
    return p;
  }

  /** Reads the session's files one at a time, noting each one's shape. */
  private static final class SessionFiles {
    private final Path dir;
    private final Map<SessionFile, CsvRows.Shape> shapes = new EnumMap<>(SessionFile.class);

    SessionFiles(Path dir) {
      this.dir = dir;
    }

    /** Streams a file into the sink {@code open} makes; {@code absent} when it has no header line. */
    <S extends CsvRows.Sink, T> T stream(SessionFile f, Function<CsvRows.Header, S> open, Function<S, T> result,
        T absent) {
      List<S> sink = new ArrayList<>(1);
      shapes.put(f, CsvRows.read(path(dir, f), h -> {
        S s = open.apply(h);
        sink.add(s);
        return s;
      }));
      return sink.isEmpty() ? absent : result.apply(sink.get(0));
    }

    /** A small file (bounded by the model and the graphs, not by the session's length) as rows. */
    /** The file's rows as {@code map} makes them; a row it maps to null is left out. */
    <T> List<T> rows(SessionFile f, Function<Cells, T> map) {
      List<T> out = new ArrayList<>();
      List<T> none = stream(f, h -> r -> {
        T v = map.apply(new Cells(h, r));
        if (v != null) {
          out.add(v);
        }
      }, s -> out, List.of());
      return List.copyOf(none);
    }

    /** The most rows the file can have (its lines but the header's), to size its columns once. */
    int lines(SessionFile f) {
      return Math.max(0, CsvRows.lines(path(dir, f)) - 1);
    }

    CsvTable table(SessionFile f) {
      CsvTable t = CsvTable.read(path(dir, f));
      shapes.put(f, new CsvRows.Shape(t.fileName(), t.present(), t.rows().size()));
      return t;
    }

    Map<SessionFile, CsvRows.Shape> shapes() {
      return Map.copyOf(shapes);
    }
  }

  /** A row of a small file, its cells by column name. */
  private record Cells(CsvRows.Header h, CsvRows.Row r) {
    double number(String column) {
      return r.number(h.index(column));
    }

    long whole(String column) {
      return r.whole(h.index(column));
    }

    String text(String column) {
      return r.text(h.index(column));
    }

    /** An MoE row the model-wide figures take: in_model_total not False (a file without the column: all). */
    boolean inModelTotal() {
      return !h.has("in_model_total") || !text("in_model_total").strip().equals("False");
    }
  }

  /** Files are written in time order; sorting again (stable) keeps joins by time correct for any writer. */
  private static <T> List<T> byTime(List<T> l, java.util.function.ToDoubleFunction<T> time) {
    return l.stream().sorted(Comparator.comparingDouble(time)).toList();
  }

  private static Graph graph(Cells c) {
    return new Graph(c.text("runtime_mode"), c.whole("num_tokens"), c.text("num_reqs"), c.text("uniform"),
        c.text("has_lora"), c.whole("replay_count"), c.number("capture_time_sec"));
  }

  private static SessionRows.EplbPlacementRow placement(Cells c) {
    String counts = c.text("expert_counts").strip();
    long[] n = counts.isEmpty() ? new long[0]
        : java.util.Arrays.stream(counts.split(" ")).mapToLong(Long::parseLong).toArray();
    return new SessionRows.EplbPlacementRow((int) c.whole("placement"), c.text("event"), (int) c.whole("layer_idx"),
        (int) c.whole("ep_size"), (int) c.whole("physical_experts"), c.whole("routed_tokens"), c.number("imbalance"),
        c.number("model_imbalance"), n);
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
