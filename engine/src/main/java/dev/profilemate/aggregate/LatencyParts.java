package dev.profilemate.aggregate;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Splits each request's TTFT and inter-token latency into their parts (issue 24 item 1), from the
 * request events, the prefill_chunk records and the scheduler steps: every moment from arrival to
 * first token, and from first token to finish, is given to exactly one part, so the parts add up
 * to the measured times.
 *
 * <p>A request is, at any time, queued (arrived, never scheduled), in a prefill chunk (a step that
 * scheduled prompt or recomputed tokens for it, from that step's start to the next one's), waiting
 * between chunks, preempted, or decoding. Chunks after a preemption are recomputation for as many
 * tokens as vLLM threw away (their share of the chunk's time goes to preemption). While decoding,
 * a step in which every running request was scheduled is its own decode step; in a step in which
 * some sat out (running_len > num_reqs) the spool does not say which, so those steps are shared out
 * by its token count: it ran in as many steps as it sampled decode tokens.
 */
public final class LatencyParts implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field MAX_NUM_SEQS = Field.of("max_num_seqs");
  private static final Field MAX_NUM_BATCHED_TOKENS = Field.of("max_num_batched_tokens");
  private static final Field OPERATION = Field.of("operation");
  private static final Field DURATION_NS = Field.of("duration_ns");
  private static final Field STEP = Field.of("step");
  private static final Field NUM_REQS = Field.of("num_reqs");
  private static final Field RUNNING_LEN = Field.of("running_len");
  private static final Field WAITING_LEN = Field.of("waiting_len");
  private static final Field NUM_TOKENS = Field.of("num_tokens");
  private static final Field NUM_PREEMPTED = Field.of("num_preempted");
  private static final Field REQUEST_ID = Field.of("request_id");
  private static final Field EVENT = Field.of("event");
  private static final Field NUM_PROMPT_TOKENS = Field.of("num_prompt_tokens");
  private static final Field NUM_OUTPUT_TOKENS = Field.of("num_output_tokens");
  private static final Field NUM_COMPUTED_TOKENS = Field.of("num_computed_tokens");
  private static final Field REASON = Field.of("reason");

  public static final List<String> TTFT_PARTS =
      List.of("queue_wait", "prefill_compute", "between_chunks", "preemption");
  public static final List<String> ITL_PARTS = List.of("decode_step", "sat_out", "preemption");

  private final SessionClock clock;
  private final RecordSchema schema;
  private final Consumer<Row> rows;
  private final Map<String, Req> live = new LinkedHashMap<>();
  private final Map<Integer, StepClock> clocks = new HashMap<>();
  private final Map<Integer, Limits> limits = new HashMap<>();
  /** Per EngineCore, the requests whose last record was a prefill chunk: the next step ends it. */
  private final Map<Integer, Set<Req>> inChunk = new HashMap<>();
  /** Requests holding their first token whose API-server output processing is not seen yet. */
  private final Set<Req> awaitingApi = new LinkedHashSet<>();
  private final LatencyBands ttft = new LatencyBands(TTFT_PARTS, TtftCause.KEYS);
  private final LatencyBands itl = new LatencyBands(ITL_PARTS, ItlCause.KEYS);
  /** The bands with the requests in flight at the last finish(), for its summary; null once records come again. */
  private LatencyBands finishedTtft;
  private LatencyBands finishedItl;
  private boolean chunkRecords;
  private boolean apiRecords;

  public LatencyParts(SessionClock clock, RecordSchema schema, Consumer<Row> rows) {
    this.clock = clock;
    this.schema = schema;
    this.rows = rows;
  }

  /**
   * One request's parts, in seconds (ITL parts per output token after the first); NaN where not
   * known: TTFT without the arrival or first token, ITL with fewer than two output tokens or
   * unfinished.
   */
  public record Row(
      String requestId,
      double arrivalSec,
      double ttftSec,
      double queueWaitSec,
      double prefillComputeSec,
      double betweenChunksSec,
      double preemptionTtftSec,
      int prefillChunks,
      double apiOutputSec,
      int numOutputTokens,
      double itlSec,
      double decodeStepSec,
      double satOutSec,
      double preemptionItlSec,
      long decodeSteps,
      long satOutSteps,
      String ttftDominant,
      String itlDominant,
      int process) {}

  private record Limits(int seqs, int tokens) implements java.io.Serializable {}

  private enum State { QUEUED, CHUNK, WAITING, PREEMPTED, DECODE }

  private static final class Req implements java.io.Serializable {
    final String id;
    final int process;
    double arrival = Double.NaN;
    double firstToken = Double.NaN;
    State state;
    double since;
    double[] snap;
    long lastChunkStep = -1;
    double recomputeShare;
    long owed;
    int prompt;
    int outputs;
    int chunks;
    int preemptions;
    int preemptionsKvFull;
    long recomputed;
    int recomputesDone;
    double api = Double.NaN;
    // TTFT parts
    double queue;
    double prefill;
    double between;
    double preemptTtft;
    // ITL parts (totals; per token at the end)
    double decode;
    double preemptItl;
    final double[] queueSteps = new double[StepClock.SIZE];
    final double[] waitSteps = new double[StepClock.SIZE];
    final double[] decodeSteps = new double[StepClock.SIZE];

    Req(String id, int process) {
      this.id = id;
      this.process = process;
    }

    /** A copy to settle apart (finish()): every field, the arrays copied too. */
    Req copy() {
      Req c = new Req(id, process);
      c.arrival = arrival;
      c.firstToken = firstToken;
      c.state = state;
      c.since = since;
      c.snap = snap == null ? null : snap.clone();
      c.lastChunkStep = lastChunkStep;
      c.recomputeShare = recomputeShare;
      c.owed = owed;
      c.prompt = prompt;
      c.outputs = outputs;
      c.chunks = chunks;
      c.preemptions = preemptions;
      c.preemptionsKvFull = preemptionsKvFull;
      c.recomputed = recomputed;
      c.recomputesDone = recomputesDone;
      c.api = api;
      c.queue = queue;
      c.prefill = prefill;
      c.between = between;
      c.preemptTtft = preemptTtft;
      c.decode = decode;
      c.preemptItl = preemptItl;
      System.arraycopy(queueSteps, 0, c.queueSteps, 0, queueSteps.length);
      System.arraycopy(waitSteps, 0, c.waitSteps, 0, waitSteps.length);
      System.arraycopy(decodeSteps, 0, c.decodeSteps, 0, decodeSteps.length);
      return c;
    }

    boolean hasFirstToken() {
      return !Double.isNaN(firstToken);
    }
  }

  private static final java.util.Set<String> RECORDS = java.util.Set.of("scheduler_limits", "scheduler_step_v3",
      "scheduler_step_v2", "scheduler_step", "prefill_chunk", "request_event", "cpu_operation");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    finishedTtft = null;
    finishedItl = null;
    switch (r.name()) {
      case "scheduler_limits" -> limits.put(r.process(),
          new Limits(r.getInt(MAX_NUM_SEQS), r.getInt(MAX_NUM_BATCHED_TOKENS)));
      case "scheduler_step_v3", "scheduler_step_v2", "scheduler_step" -> step(r);
      case "prefill_chunk" -> chunk(r);
      case "request_event" -> event(r);
      case "cpu_operation" -> {
        if (r.getString(OPERATION).equals("output_processing")) {
          outputProcessing(clock.sec(r.tNs()), SessionClock.seconds(r.getLong(DURATION_NS)));
        }
      }
      default -> {}
    }
  }

  private StepClock clockOf(int process) {
    return clocks.computeIfAbsent(process, p -> new StepClock());
  }

  private void step(SpoolRecord r) {
    double t = clock.sec(r.tNs());
    int process = r.process();
    boolean old = r.name().equals("scheduler_step"); // before session 5 every step carried its limits
    Limits l = old ? new Limits(r.getInt(MAX_NUM_SEQS), r.getInt(MAX_NUM_BATCHED_TOKENS))
        : limits.getOrDefault(process, new Limits(0, 0));
    long n = r.getLong(STEP);
    // requests whose chunk ended move first, on the clock as it was: this step is then the first of their next state
    Set<Req> chunked = inChunk.getOrDefault(process, Set.of());
    for (var it = chunked.iterator(); it.hasNext(); ) {
      Req q = it.next();
      if (q.lastChunkStep < n) { // no chunk for it in this step: its last one ended as this step began
        it.remove();
        if (q.hasFirstToken()) {
          // a decoding request's chunks are recomputation; its last one sampled a token. Prefix-cache
          // hits on resume may have left fewer tokens to recompute than were thrown away: owed goes.
          q.recomputesDone++;
          q.owed = 0;
          move(q, State.DECODE, t);
        } else {
          move(q, State.WAITING, t);
        }
      }
    }
    clockOf(process).step(t, r.getInt(NUM_REQS), r.getInt(RUNNING_LEN), r.getInt(WAITING_LEN),
        r.getInt(NUM_TOKENS), l.seqs(), l.tokens(), r.getInt(NUM_PREEMPTED));
  }

  private Req request(SpoolRecord r, String id) {
    Req q = live.get(id);
    if (q == null) { // arrived before the probe attached: no TTFT, its later parts still count
      q = new Req(id, r.process());
      q.state = State.WAITING;
      q.since = clock.sec(r.tNs());
      q.snap = clockOf(q.process).at(q.since);
      live.put(id, q);
    }
    return q;
  }

  private void chunk(SpoolRecord r) {
    chunkRecords = true;
    double t = clock.sec(r.tNs());
    Req q = request(r, r.getString(REQUEST_ID));
    int tokens = r.getInt(NUM_TOKENS);
    long recomputed = Math.min(q.owed, tokens);
    q.owed -= recomputed;
    move(q, State.CHUNK, t);
    q.recomputeShare = q.hasFirstToken() ? 1 : tokens > 0 ? (double) recomputed / tokens : 0;
    q.lastChunkStep = r.getLong(STEP);
    if (!q.hasFirstToken() && recomputed < tokens) {
      q.chunks++;
    }
    inChunk.computeIfAbsent(q.process, p -> new LinkedHashSet<>()).add(q);
  }

  private void event(SpoolRecord r) {
    String id = r.getString(REQUEST_ID);
    String ev = schema.enumName("request_event.event", r.getLong(EVENT));
    double t = clock.sec(r.tNs());
    if (ev.equals("arrived")) {
      Req q = new Req(id, r.process());
      q.arrival = t;
      q.prompt = r.getInt(NUM_PROMPT_TOKENS);
      q.state = State.QUEUED;
      q.since = t;
      q.snap = clockOf(q.process).at(t);
      live.put(id, q);
      return;
    }
    Req q = request(r, id);
    q.outputs = Math.max(q.outputs, r.getInt(NUM_OUTPUT_TOKENS));
    if (r.getInt(NUM_PROMPT_TOKENS) > 0) {
      q.prompt = r.getInt(NUM_PROMPT_TOKENS);
    }
    switch (ev) {
      case "scheduled" -> { // without prefill_chunk records (spools before 1.7): prefill from here on
        if (q.state == State.QUEUED) {
          move(q, State.CHUNK, t);
          q.chunks++;
        }
      }
      case "first_token" -> {
        if (!q.hasFirstToken()) {
          move(q, State.DECODE, t);
          q.firstToken = t;
          q.owed = 0;
          q.recomputeShare = 0;
          removeFromChunks(q);
          awaitingApi.add(q);
        }
      }
      case "preempted" -> {
        move(q, State.PREEMPTED, t);
        removeFromChunks(q);
        long lost = r.getLong(NUM_COMPUTED_TOKENS);
        q.owed = lost;
        q.recomputed += lost;
        q.preemptions++;
        q.preemptionsKvFull += r.getString(REASON).equals("kv_cache_full") ? 1 : 0;
      }
      case "resumed" -> { // a chunk record normally resumed it already, at its step's start
        if (q.state == State.PREEMPTED) {
          move(q, State.CHUNK, t);
          q.recomputeShare = 1;
        }
      }
      case "finished" -> {
        move(q, q.state, t);
        removeFromChunks(q);
        awaitingApi.remove(q);
        live.remove(id);
        emit(q, t);
      }
      default -> {}
    }
  }

  private void removeFromChunks(Req q) {
    Set<Req> s = inChunk.get(q.process);
    if (s != null) {
      s.remove(q);
    }
  }

  /** The API server's OutputProcessor call after a first token detokenized and sent it. */
  private void outputProcessing(double t, double durationSec) {
    apiRecords = true;
    if (awaitingApi.isEmpty()) {
      return; // most calls: no first token since the last one (and no iterator to make)
    }
    for (Req q : awaitingApi) {
      if (q.firstToken <= t) {
        q.api = durationSec;
      }
    }
    awaitingApi.removeIf(q -> !Double.isNaN(q.api));
  }

  /** Gives the time since the request's last move to the state it was in, then puts it in the next one. */
  private void move(Req q, State next, double t) {
    double dt = Math.max(0, t - q.since);
    double[] now = clockOf(q.process).at(t);
    switch (q.state) {
      case QUEUED -> {
        q.queue += dt;
        StepClock.addDifference(q.queueSteps, now, q.snap);
      }
      case CHUNK -> {
        if (q.hasFirstToken()) {
          q.preemptItl += dt;
        } else {
          q.prefill += dt * (1 - q.recomputeShare);
          q.preemptTtft += dt * q.recomputeShare;
        }
      }
      case WAITING -> {
        if (q.hasFirstToken()) {
          q.preemptItl += dt; // a recomputation that ran out of token budget mid-way
        } else if (q.owed > 0) {
          q.preemptTtft += dt;
        } else {
          q.between += dt;
          StepClock.addDifference(q.waitSteps, now, q.snap);
        }
      }
      case PREEMPTED -> {
        if (q.hasFirstToken()) {
          q.preemptItl += dt;
        } else {
          q.preemptTtft += dt;
        }
      }
      case DECODE -> {
        q.decode += dt;
        StepClock.addDifference(q.decodeSteps, now, q.snap);
      }
    }
    q.state = next;
    q.since = t;
    q.snap = now;
  }

  private void emit(Req q, double finished) {
    emit(q, finished, ttft, itl);
  }

  private void emit(Req q, double finished, LatencyBands ttft, LatencyBands itl) {
    double ttftSec = q.firstToken - q.arrival;
    boolean hasTtft = !Double.isNaN(ttftSec);
    double[] tParts = {q.queue, q.prefill, q.between, q.preemptTtft};
    // decode steps: each sampled one token; the first came from the prefill, one more from each finished recomputation
    long decodeTokens = Math.max(0, q.outputs - 1 - q.recomputesDone);
    long clean = Math.round(q.decodeSteps[StepClock.STEPS_ALL_RAN]);
    long shared = Math.round(q.decodeSteps[StepClock.STEPS_SOME_SAT_OUT]);
    long ranShared = Math.max(0, Math.min(shared, decodeTokens - clean));
    double satOutShare = shared > 0 ? 1 - (double) ranShared / shared : 0;
    double satOut = satOutShare * q.decodeSteps[StepClock.SOME_SAT_OUT];
    double own = q.decode - satOut;
    int gaps = q.outputs - 1;
    boolean hasItl = !Double.isNaN(finished) && q.hasFirstToken() && gaps > 0;
    double itlSec = hasItl ? (finished - q.firstToken) / gaps : Double.NaN;
    double[] iParts = hasItl ? new double[] {own / gaps, satOut / gaps, q.preemptItl / gaps} : null;
    String tDominant = hasTtft ? TTFT_PARTS.get(largest(tParts)) : "";
    String iDominant = hasItl ? ITL_PARTS.get(largest(iParts)) : "";
    rows.accept(new Row(q.id, q.arrival, ttftSec,
        hasTtft ? q.queue : Double.NaN, hasTtft ? q.prefill : Double.NaN, hasTtft ? q.between : Double.NaN,
        hasTtft ? q.preemptTtft : Double.NaN, q.chunks, q.api, q.outputs, itlSec,
        hasItl ? iParts[0] : Double.NaN, hasItl ? iParts[1] : Double.NaN, hasItl ? iParts[2] : Double.NaN,
        clean + ranShared, shared - ranShared, tDominant, iDominant, q.process));
    if (hasTtft) {
      ttft.add(ttftSec, tParts, TtftCause.of(q.queueSteps, q.waitSteps, q.prompt, q.chunks, q.preemptions,
          q.preemptionsKvFull, q.recomputed, q.api));
    }
    if (hasItl) {
      itl.add(itlSec, iParts, ItlCause.of(q.decodeSteps, clean + ranShared, shared - ranShared, q.preemptions,
          q.preemptionsKvFull, q.recomputed));
    }
  }

  private static int largest(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  @Override
  public void finish() {
    // collect's incremental refreshes (export/LiveExport) call finish() and then go on feeding
    // this object: the requests in flight are settled and written as copies, into copies of the
    // bands, so that nothing here changes; the summary reads the copies until the next record.
    // Copied field by field: a copy through serialization (one stream per request in flight) was
    // a few percent of an export of 10M records (issue 23)
    finishedTtft = ttft.copy();
    finishedItl = itl.copy();
    for (Req q : live.values()) {
      Req c = q.copy();
      move(c, c.state, c.since);
      emit(c, Double.NaN, finishedTtft, finishedItl);
    }
  }

  /** latency_summary.json: the parts at p50, p90 and p99 of TTFT and ITL, each with its cause. */
  public Map<String, Object> summary() {
    Map<String, Object> m = new TreeMap<>();
    LatencyBands t = finishedTtft != null ? finishedTtft : ttft;
    LatencyBands i = finishedItl != null ? finishedItl : itl;
    m.put("ttft", t.bands(TtftCause::explain));
    m.put("itl", i.bands(ItlCause::explain));
    m.put("requests_with_ttft", t.count());
    m.put("requests_with_itl", i.count());
    List<String> notes = new ArrayList<>();
    if (!chunkRecords) {
      notes.add("no prefill_chunk records (spool before 1.7, or request tracking off): prefill_compute runs from "
          + "the first scheduling to the first token and holds any waiting between chunks");
    }
    notes.add(apiRecords
        ? "api_output: the API server's output processing (detokenize, send) after the first token, beside TTFT "
            + "(which ends at the scheduler); HTTP parsing and tokenization before the scheduler are not recorded"
        : "api_output not measured: no API-server output_processing records (an offline LLM, or CPU timing off); "
            + "TTFT runs from the scheduler's add_request to the step that sampled the first token");
    m.put("notes", notes);
    return m;
  }
}
