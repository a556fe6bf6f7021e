package dev.profilemate.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.profilemate.common.Fmt;
import dev.profilemate.common.Json;
import dev.profilemate.session.ProcessInfo;
import dev.profilemate.session.SessionView;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** metadata.json: session times, processes and ranks, engine config, profilers and targets. */
final class MetadataBuilder implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  /** The session read; re-attached after the collector's checkpoint restores this ({@link #attach}). */
  private transient SessionView reader;
  private final RecordSchema schema;
  private final Map<Integer, String> roles = new TreeMap<>();
  private final Map<Integer, Integer> ranks = new TreeMap<>();
  private final Map<String, Map<String, String>> targets = new TreeMap<>();
  /** Records read per process index (an array: counted once per record, issue 23). */
  private long[] recordsByProcess = new long[0];
  /**
   * Per process: [records_lost records, records counted lost, t_ns of the first, 1 when any says
   * the queue reached its bound (losses beyond the count possible)].
   */
  private final Map<Integer, long[]> losses = new TreeMap<>();
  /** Per process: [string values cut to the str limit, records the probe could not pack, requests forgotten]. */
  private final Map<Integer, long[]> probeLosses = new TreeMap<>();
  private final List<String> badConfig = new ArrayList<>();
  private JsonNode engine;
  /** Per process: its latest parallel_identity (spool minor 9). */
  private final Map<Integer, dev.profilemate.session.ParallelIdentity> identities = new TreeMap<>();
  /** Per process: its clock anchors ({@link ClockStats}). */
  private final Map<Integer, ClockStats> clocks = new TreeMap<>();
  private long firstNs = Long.MAX_VALUE;
  private long lastNs = Long.MIN_VALUE;

  MetadataBuilder(SessionView reader, RecordSchema schema) {
    this.reader = reader;
    this.schema = schema;
  }

  void attach(SessionView reader) {
    this.reader = reader;
  }

  void accept(SpoolRecord r) {
    firstNs = Math.min(firstNs, r.tNs());
    lastNs = Math.max(lastNs, r.tNs());
    int p = r.process();
    if (p >= recordsByProcess.length) {
      recordsByProcess = java.util.Arrays.copyOf(recordsByProcess, p + 1);
    }
    recordsByProcess[p]++;
    switch (r.name()) {
      case "process_role" -> {
        roles.put(r.process(), r.getString("role"));
        ranks.put(r.process(), r.getInt("rank"));
      }
      case "engine_config", "engine_config_v2" -> {
        try {
          JsonNode n = Json.mapper().readTree(r.getString("json"));
          if (engine == null || !engine.isObject()) {
            engine = n;
          } else if (n.isObject()) {
            ((ObjectNode) engine).setAll((ObjectNode) n);
          }
        } catch (java.io.IOException e) {
          // a malformed config record costs only the config section, and says so
          badConfig.add(reader.streamFile(r.process()).getFileName() + ": an engine_config record is not "
              + "valid JSON (" + r.getString("json").length() + " characters); engine settings may be missing");
        }
      }
      case "records_lost" -> {
        long[] l = losses.computeIfAbsent(r.process(), k -> new long[] {0, 0, r.tNs(), 0});
        l[0]++;
        l[1] += r.getLong("counted");
        l[3] |= r.getLong("queue_full") != 0 ? 1 : 0;
      }
      case "probe_losses" -> {
        long[] l = probeLosses.computeIfAbsent(r.process(), k -> new long[3]);
        l[0] += r.getLong("values_cut");
        l[1] += r.getLong("records_malformed");
        l[2] += r.getLong("requests_forgotten"); // 0 before spool minor 6

      }
      case "parallel_identity" -> identities.put(r.process(), dev.profilemate.session.ParallelIdentity.of(r));
      case "clock_anchor" -> clocks.computeIfAbsent(r.process(), k -> new ClockStats())
          .add(r.tNs(), r.getLong("wall_ns"), r.getLong("uncertainty_ns"));
      case "profiler_status" -> {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("profiler", r.getString("profiler"));
        s.put("state", schema.enumName("profiler_status.state", r.getLong("state")));
        s.put("reason", r.getString("reason"));
        targets.put(r.getString("target"), s);
      }
      default -> {}
    }
  }

  /** The reader's warnings, then one per process whose probe lost records (after the records are read). */
  List<String> warnings(List<String> fromReader) {
    List<String> all = new ArrayList<>(fromReader);
    all.addAll(badConfig);
    // the probe counts every record it drops; only a queue that reached its bound (its writer
    // held up) may have lost more than counted: uncounted losses are then possible, not certain
    losses.forEach((process, l) -> all.add(reader.streamFile(process).getFileName()
        + ": the probe's record queue was full " + l[0] + (l[0] == 1 ? " time" : " times") + ", first at "
        + Fmt.sec((l[2] - reader.startNs()) / 1e9) + " s; "
        + (l[3] == 0 ? l[1] + " records lost" : l[1] > 0 ? "at least " + l[1] + " records lost"
            : "records may have been lost")
        + ": the session's files " + (l[3] == 0 ? "under-count" : "may under-count") + " from there"));
    probeLosses.forEach((process, l) -> {
      String file = reader.streamFile(process).getFileName().toString();
      if (l[0] > 0) {
        all.add(file + ": " + l[0] + (l[0] == 1 ? " string value" : " string values")
            + " (request ids, names) over the spool's 65,535-byte limit cut to fit");
      }
      if (l[1] > 0) {
        all.add(file + ": " + l[1] + (l[1] == 1 ? " record" : " records")
            + " the probe could not pack not written (a probe bug: its log says which)");
      }
      if (l[2] > 0) {
        all.add(file + ": the probe dropped the state of " + l[2] + (l[2] == 1 ? " request" : " requests")
            + " to keep its memory bounded (more requests in flight than its cap, e.g. requests that never"
            + " finished): their later request events may be missing from request_lifecycle.csv");
      }
    });
    return all;
  }

  /**
   * Anchors of one process as read: t_ns on the session's clock (for a process of another node,
   * moved by the shift before the anchor), its wall_ns and uncertainty.
   */
  static final class ClockStats implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    long count;
    long maxUncertainty;
    long lastOffset;
    long firstT;
    long lastT;
    long firstOffset;
    /** Largest change of wall minus t_ns from one anchor to the next (absolute). */
    long maxStep;
    long minOffset = Long.MAX_VALUE;
    long maxOffset = Long.MIN_VALUE;

    void add(long tNs, long wallNs, long uncertaintyNs) {
      long offset = wallNs - tNs;
      if (count == 0) {
        firstT = tNs;
        firstOffset = offset;
      } else {
        maxStep = Math.max(maxStep, Math.abs(offset - lastOffset));
      }
      count++;
      minOffset = Math.min(minOffset, offset);
      maxOffset = Math.max(maxOffset, offset);
      maxUncertainty = Math.max(maxUncertainty, uncertaintyNs);
      lastOffset = offset;
      lastT = tNs;
    }
  }

  /**
   * A process's clock section (issue 25): how its records were put on the session's timeline and
   * how far off that can be. On the session's node the probe's t_ns are CLOCK_MONOTONIC, shared by
   * the node's processes: no alignment, no error from it. On another node: through its clock
   * anchors, each off by at most its read uncertainty, and between two anchors by the drift of its
   * wall clock against its monotonic one (the step at the next anchor), plus the reference's
   * uncertainty; the nodes' wall clocks are taken to agree (NTP, PTP).
   */
  private Map<String, Object> clock(ProcessInfo p) {
    Map<String, Object> c = new LinkedHashMap<>();
    // export and collect both align another node's processes (SessionReader, LiveSession)
    boolean wall = reader.alignedByWallClock(p.index());
    c.put("aligned_by", wall ? "wall-clock anchors (another node than " + reader.referenceNode() + ")"
        : "monotonic clock of node " + reader.referenceNode());
    ClockStats s = clocks.get(p.index());
    c.put("anchors", s == null ? 0 : s.count);
    if (wall) {
      c.put("shift_ns", reader.clockShiftNs(p.index()));
    }
    if (s == null) {
      c.put("error_bound_ns", wall ? null : 0);
      return c;
    }
    // a process of another node: each anchor's t_ns was moved by the shift before it, so wall
    // minus t_ns less the reference's offset is the step the anchor makes; on the session's node
    // the step is the change of wall minus monotonic since the anchor before
    long steps = s.maxStep;
    if (wall) {
      ProcessInfo ref = reader.processes().stream().filter(q -> !reader.alignedByWallClock(q.index()))
          .min(java.util.Comparator.comparingLong(ProcessInfo::wallAnchorNs)).orElse(p);
      long refOffset = ref.wallAnchorNs() - ref.monotonicAnchorNs();
      steps = Math.max(Math.abs(s.maxOffset - refOffset), Math.abs(s.minOffset - refOffset));
    }
    c.put("max_uncertainty_ns", s.maxUncertainty);
    c.put("max_step_between_anchors_ns", steps);
    double span = (s.lastT - s.firstT) / 1e9;
    c.put("drift_ppm", wall || span <= 0 ? null : Math.round((s.lastOffset - s.firstOffset) / span / 1e3 * 1e3) / 1e3);
    long refUnc = clocks.entrySet().stream().filter(e -> !reader.alignedByWallClock(e.getKey()))
        .mapToLong(e -> e.getValue().maxUncertainty).max().orElse(0);
    c.put("error_bound_ns", wall ? s.maxUncertainty + refUnc + steps : 0);
    return c;
  }

  /** moe: the MoE model section (MoeLayers.metadata), or null for a model without MoE layers. */
  Map<String, Object> build(long records, List<String> warnings, Map<String, Object> moe) {
    Map<String, Object> m = new LinkedHashMap<>();
    long start = reader.startNs();
    long startWall = reader.startWallNs();
    Map<String, Object> session = new LinkedHashMap<>();
    session.put("name", reader.dir().getFileName().toString());
    session.put("start_time", Instant.ofEpochSecond(0, startWall).toString());
    double dur = lastNs >= firstNs ? (lastNs - start) / 1e9 : 0;
    session.put("end_time", Instant.ofEpochSecond(0, startWall + Math.max(0, lastNs - start)).toString());
    session.put("duration_sec", dur);
    session.put("records", records);
    session.put("spool_schema_version", schema.version());
    m.put("session", session);
    List<Map<String, Object>> procs = new ArrayList<>();
    TreeSet<String> profilers = new TreeSet<>();
    TreeSet<String> hosts = new TreeSet<>();
    for (ProcessInfo p : reader.processes()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("pid", p.pid());
      e.put("role", roles.getOrDefault(p.index(), p.role()));
      e.put("rank", ranks.getOrDefault(p.index(), p.rank()));
      e.put("host", p.metadata().path("host").asText());
      e.put("spool", p.spool().getFileName().toString());
      e.put("records", p.index() >= 0 && p.index() < recordsByProcess.length ? recordsByProcess[p.index()] : 0L);
      e.put("closed_cleanly", reader.closedCleanly(p.index()));
      e.put("incomplete", reader.incomplete(p.index()));
      e.put("python", p.metadata().path("python").asText());
      dev.profilemate.session.ParallelIdentity id = identities.get(p.index());
      if (id != null) {
        e.put("parallel", id.describe());
      }
      e.put("clock", clock(p));
      if (p.metadata().has("attach")) { // "plugin" or "PYTHONPATH sitecustomize" (probe 0.1.0 on)
        e.put("attach", p.metadata().path("attach").asText());
      }
      procs.add(e);
      p.metadata().path("profilers").forEach(n -> profilers.add(n.asText()));
      hosts.add(p.metadata().path("host").asText());
    }
    m.put("hosts", new ArrayList<>(hosts));
    m.put("processes", procs);
    m.put("profilers_enabled", new ArrayList<>(profilers));
    JsonNode cfg = reader.processes().get(0).metadata().path("config");
    m.put("probe_config", cfg.isMissingNode() ? Map.of() : cfg);
    int sampledTokens = cfg.path("MOE_WEIGHT_SAMPLE_TOKENS").asInt();
    if (sampledTokens > 0 && cfg.path("ENABLE_MOE_EXPERT_TRACKING").asBoolean(true)) {
      // the sampling rate of moe_routing_weights_hist.csv, in the user's terms
      Map<String, Object> sampling = new LinkedHashMap<>();
      sampling.put("tokens_per_layer", sampledTokens);
      sampling.put("every_forward_steps", cfg.path("CUDA_EVENT_BATCH_SIZE").asInt(100));
      sampling.put("which", "the last forward step before each read-back of the MoE counters (and the last at exit);"
          + " its real tokens, spread evenly; every expert the token was routed to");
      m.put("moe_routing_weights_sampling", sampling);
    }
    if (moe != null) {
      m.put("moe", moe);
    }
    m.put("engine", engine == null ? Map.of() : engine);
    m.put("probe_targets", targets);
    m.put("warnings", warnings);
    return m;
  }
}
