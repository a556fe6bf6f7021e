package dev.profilemate.otlp;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;

/**
 * request_event, request_trace and prefill_chunk records (and the step records that bound a
 * chunk) → one {@link RequestSpan} per request when it finishes. Keeps state only for requests
 * in flight; a request still running at the end is not handed on (its spans go out once it
 * finishes, in a later send).
 */
final class RequestSpans implements RecordConsumer, java.io.Serializable {
  private final RecordSchema schema;
  private final IntToLongFunction pidOf;
  private final Consumer<RequestSpan> sink;
  private final Map<String, State> live = new HashMap<>();
  /** Per process: requests whose latest chunk no later step has bounded yet. */
  private final Map<Integer, List<State>> open = new HashMap<>();

  RequestSpans(RecordSchema schema, IntToLongFunction pidOf, Consumer<RequestSpan> sink) {
    this.schema = schema;
    this.pidOf = pidOf;
    this.sink = sink;
  }

  private static final class State implements java.io.Serializable {
    final int process;
    long arrived;
    long scheduled;
    long firstToken;
    long lastPreempted;
    int prompt;
    int output;
    final List<RequestSpan.Chunk> chunks = new ArrayList<>();
    final List<RequestSpan.Mark> marks = new ArrayList<>();
    RequestSpan.TraceContext trace;
    /** The chunk not yet bounded: its start, step and tokens. */
    long chunkStart;
    long chunkStep;
    int chunkTokens;
    boolean chunkRecompute;
    boolean chunkOpen;

    State(int process) {
      this.process = process;
    }

    /** A chunk ends at the next step of its scheduler, or earlier when its request gets its first token or stops. */
    void closeChunk(long endNs) {
      if (chunkOpen) {
        chunks.add(new RequestSpan.Chunk(chunkStart, Math.max(chunkStart, endNs), chunkStep, chunkTokens, chunkRecompute));
        chunkOpen = false;
      }
    }
  }

  @Override
  public void accept(SpoolRecord r) {
    switch (r.name()) {
      case "request_event" -> event(r);
      case "request_trace" -> state(r).trace = new RequestSpan.TraceContext(
          r.getString("trace_id"), r.getString("parent_span_id"), r.getInt("trace_flags"));
      case "prefill_chunk" -> {
        State s = state(r);
        s.closeChunk(r.tNs());
        s.chunkOpen = true;
        s.chunkStart = r.tNs();
        s.chunkStep = r.getLong("step");
        s.chunkTokens = r.getInt("num_tokens");
        s.chunkRecompute = s.lastPreempted != 0;
        open.computeIfAbsent(r.process(), p -> new ArrayList<>()).add(s);
      }
      case "scheduler_step_v3", "scheduler_step_v2", "scheduler_step" -> {
        // the chunks of this very step were written just before it, at the same t_ns: they stay open
        List<State> waiting = open.get(r.process());
        if (waiting != null) {
          waiting.removeIf(s -> {
            if (s.chunkOpen && s.chunkStart < r.tNs()) {
              s.closeChunk(r.tNs());
            }
            return !s.chunkOpen;
          });
        }
      }
      default -> {}
    }
  }

  private State state(SpoolRecord r) {
    return live.computeIfAbsent(r.getString("request_id"), id -> new State(r.process()));
  }

  private void event(SpoolRecord r) {
    State s = state(r);
    long t = r.tNs();
    if (r.getInt("num_prompt_tokens") > 0) {
      s.prompt = r.getInt("num_prompt_tokens");
    }
    s.output = Math.max(s.output, r.getInt("num_output_tokens"));
    switch (schema.enumName("request_event.event", r.getLong("event"))) {
      case "arrived" -> s.arrived = t;
      case "scheduled" -> s.scheduled = s.scheduled == 0 ? t : s.scheduled;
      case "first_token" -> {
        s.closeChunk(t);
        s.firstToken = s.firstToken == 0 ? t : s.firstToken;
      }
      case "preempted" -> {
        s.closeChunk(t);
        s.lastPreempted = t;
        s.marks.add(new RequestSpan.Mark(t, "preempted", reasonOf(r), r.getLong("num_computed_tokens"), 0));
      }
      case "resumed" -> s.marks.add(new RequestSpan.Mark(t, "resumed", "", 0, s.lastPreempted == 0 ? 0 : t - s.lastPreempted));
      case "finished" -> {
        s.closeChunk(t);
        String id = r.getString("request_id");
        live.remove(id);
        sink.accept(new RequestSpan(id, pidOf.applyAsLong(s.process), s.arrived, s.scheduled, s.firstToken, t,
            s.prompt, s.output, reasonOf(r), List.copyOf(s.chunks), List.copyOf(s.marks), s.trace));
      }
      default -> {}
    }
  }

  private static String reasonOf(SpoolRecord r) {
    return r.getString("reason").isEmpty() ? "unknown" : r.getString("reason");
  }
}
