package dev.profilemate.aggregate;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Follows each request through arrival, scheduling, preemptions and finish. Keeps state only
 * for requests still in flight; a request's row is written when it finishes (or at the end).
 */
public final class RequestLifecycles implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field REQUEST_ID = Field.of("request_id");
  private static final Field EVENT = Field.of("event");
  private static final Field NUM_PROMPT_TOKENS = Field.of("num_prompt_tokens");
  private static final Field NUM_OUTPUT_TOKENS = Field.of("num_output_tokens");
  private static final Field NUM_COMPUTED_TOKENS = Field.of("num_computed_tokens");
  private static final Field REASON = Field.of("reason");

  private final SessionClock clock;
  private final RecordSchema schema;
  private final Consumer<PreemptionEvent> events;
  private final Consumer<Lifecycle> lifecycles;
  /** Requests in flight; written field by field in collect's checkpoint (writeObject below). */
  private transient Map<String, State> live = new LinkedHashMap<>();
  private final Map<String, Long> reasons = new TreeMap<>();
  private final Map<String, Long> finishReasons = new TreeMap<>();
  private final Percentiles delays = new Percentiles();
  private long preemptions;
  private long resumes;
  private long finished;
  private long requests;
  private long preemptedRequests;
  private long recomputedTokens;

  public RequestLifecycles(
      SessionClock clock, RecordSchema schema, Consumer<PreemptionEvent> events, Consumer<Lifecycle> lifecycles) {
    this.clock = clock;
    this.schema = schema;
    this.events = events;
    this.lifecycles = lifecycles;
  }

  public record PreemptionEvent(
      double timestampSec, String requestId, String event, String reason, double runningTimeSec, String extraInfo,
      int process) {}

  /**
   * Times in seconds since session start; NaN where the event did not happen. preempted/resumed
   * are the first preemption and the resume after it, last* the last ones; totalTimeSec is
   * arrival to finish (queue wait included), scheduledToFinishedSec first scheduling to finish.
   */
  public record Lifecycle(
      String requestId,
      double startedSec,
      double preemptedSec,
      double resumedSec,
      double finishedSec,
      double totalTimeSec,
      double preemptionDelaySec,
      double arrivalSec,
      double firstTokenSec,
      int numPromptTokens,
      int numOutputTokens,
      int numPreemptions,
      String finishReason,
      long recomputedTokens,
      double queueWaitSec,
      double scheduledToFinishedSec,
      double lastPreemptedSec,
      double lastResumedSec,
      int process) {}

  public record Summary(
      long requests,
      long finished,
      long preemptions,
      long resumes,
      long preemptedRequests,
      double preemptionRatePct,
      long recomputedTokens,
      Map<String, Long> reasons,
      Map<String, Long> finishReasons,
      Percentiles.Snapshot preemptionDelay) {}

  private static final class State implements java.io.Serializable {
    double arrival = Double.NaN;
    double started = Double.NaN;
    double lastStart = Double.NaN;
    double preempted = Double.NaN;
    double resumed = Double.NaN;
    double lastPreempted = Double.NaN;
    double lastResumed = Double.NaN;
    double firstToken = Double.NaN;
    double delay;
    int prompt;
    int output;
    int preemptions;
    long recomputed;
    /** The process of its latest event: the EngineCore (DP rank) that schedules it. */
    int process;
  }

  /** The types accept() reads (its cases): the rest are never handed to it. */
  private static final java.util.Set<String> RECORDS = java.util.Set.of("request_event");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    if (!r.name().equals("request_event")) {
      return;
    }
    String id = r.getString(REQUEST_ID);
    String ev = schema.enumName("request_event.event", r.getLong(EVENT));
    double t = clock.sec(r.tNs());
    State s = live.get(id);
    if (s == null) {
      s = new State();
      live.put(id, s);
      requests++;
    }
    if (r.getInt(NUM_PROMPT_TOKENS) > 0) {
      s.prompt = r.getInt(NUM_PROMPT_TOKENS);
    }
    s.output = Math.max(s.output, r.getInt(NUM_OUTPUT_TOKENS));
    s.process = r.process();
    switch (ev) {
      case "arrived" -> s.arrival = t;
      case "scheduled" -> {
        if (Double.isNaN(s.started)) {
          s.started = t;
        }
        s.lastStart = t;
      }
      case "first_token" -> {
        if (Double.isNaN(s.firstToken)) {
          s.firstToken = t;
        }
      }
      case "preempted" -> {
        if (Double.isNaN(s.preempted)) {
          s.preempted = t;
        }
        s.lastPreempted = t;
        s.preemptions++;
        if (s.preemptions == 1) {
          preemptedRequests++;
        }
        preemptions++;
        long lost = r.getLong(NUM_COMPUTED_TOKENS);
        s.recomputed += lost;
        recomputedTokens += lost;
        String reason = r.getString(REASON).isEmpty() ? "unknown" : r.getString(REASON);
        reasons.merge(reason, 1L, Long::sum);
        double running = Double.isNaN(s.lastStart) ? 0 : t - s.lastStart;
        events.accept(
            new PreemptionEvent(t, id, "preempted", reason, running, "num_computed_tokens=" + lost, r.process()));
      }
      case "resumed" -> {
        if (Double.isNaN(s.resumed)) {
          s.resumed = t;
        }
        s.lastResumed = t;
        s.lastStart = t;
        resumes++;
        double delay = Double.isNaN(s.lastPreempted) ? 0 : t - s.lastPreempted;
        s.delay += delay;
        delays.add(Math.round(delay * 1e9));
        events.accept(new PreemptionEvent(t, id, "resumed", "", 0,
            "waited_sec=" + String.format(java.util.Locale.ROOT, "%.6f", delay), r.process()));
      }
      case "finished" -> {
        finished++;
        String reason = r.getString(REASON).isEmpty() ? "unknown" : r.getString(REASON);
        finishReasons.merge(reason, 1L, Long::sum);
        lifecycles.accept(row(id, s, t, reason));
        live.remove(id);
      }
      default -> {}
    }
  }

  private static Lifecycle row(String id, State s, double finishedAt, String reason) {
    double scheduledToFinished = finishedAt - s.started; // NaN when either is
    // end to end from arrival; a request whose arrival the probe missed (attached late) from its first scheduling
    double total = Double.isNaN(s.arrival) ? scheduledToFinished : finishedAt - s.arrival;
    double queue = s.started - s.arrival;
    return new Lifecycle(
        id, s.started, s.preempted, s.resumed, finishedAt, total, s.delay, s.arrival, s.firstToken,
        s.prompt, s.output, s.preemptions, reason, s.recomputed, queue, scheduledToFinished, s.lastPreempted,
        s.lastResumed, s.process);
  }

  @Override
  public void finish() {
    for (Map.Entry<String, State> e : live.entrySet()) {
      lifecycles.accept(row(e.getKey(), e.getValue(), Double.NaN, ""));
    }
    // live is kept: collect's refreshes go on feeding records after a finish() (docs/collect.md)
  }

  /**
   * collect's checkpoint (docs/collect.md) holds this object: the requests in flight, of which a long
   * session may have 10^5 (requests the probe never saw finish), go field by field, as default
   * serialization of as many small objects takes seconds.
   */
  @java.io.Serial
  private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
    out.defaultWriteObject();
    out.writeInt(live.size());
    for (Map.Entry<String, State> e : live.entrySet()) {
      byte[] id = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(id.length);
      out.write(id);
      State s = e.getValue();
      for (double d : new double[] {s.arrival, s.started, s.lastStart, s.preempted, s.resumed, s.lastPreempted,
          s.lastResumed, s.firstToken, s.delay}) {
        out.writeDouble(d);
      }
      out.writeInt(s.prompt);
      out.writeInt(s.output);
      out.writeInt(s.preemptions);
      out.writeLong(s.recomputed);
      out.writeInt(s.process);
    }
  }

  @java.io.Serial
  private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
    in.defaultReadObject();
    int n = in.readInt();
    live = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      byte[] id = new byte[in.readInt()];
      in.readFully(id);
      State s = new State();
      s.arrival = in.readDouble();
      s.started = in.readDouble();
      s.lastStart = in.readDouble();
      s.preempted = in.readDouble();
      s.resumed = in.readDouble();
      s.lastPreempted = in.readDouble();
      s.lastResumed = in.readDouble();
      s.firstToken = in.readDouble();
      s.delay = in.readDouble();
      s.prompt = in.readInt();
      s.output = in.readInt();
      s.preemptions = in.readInt();
      s.recomputed = in.readLong();
      s.process = in.readInt();
      live.put(new String(id, java.nio.charset.StandardCharsets.UTF_8), s);
    }
  }

  public Summary summary() {
    return new Summary(
        requests,
        finished,
        preemptions,
        resumes,
        preemptedRequests,
        requests > 0 ? 100.0 * preemptedRequests / requests : 0,
        recomputedTokens,
        new TreeMap<>(reasons),
        new TreeMap<>(finishReasons),
        delays.snapshot());
  }

}
