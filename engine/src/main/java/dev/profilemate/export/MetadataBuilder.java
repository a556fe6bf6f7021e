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
