package dev.profilemate.timeline;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.RequestLifecycles;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Requests → one slice each on the "requests" lanes of the process that scheduled it, from arrival
 * (or, where the probe missed it, first scheduling) to finish: children queued, prefill (to the
 * first token) and decode, its prefill chunks as instants, each preemption an instant and the time
 * it waited a slice. The times are {@link RequestLifecycles}'s, so a request's slice lasts its
 * total_time_sec in request_lifecycle.csv. A request is drawn when it finishes (state is kept only
 * for requests in flight); one still running when the records end is drawn to that end, marked
 * unfinished.
 */
final class RequestTracks implements RecordConsumer {
  private static final Field REQUEST_ID = Field.of("request_id");
  private static final Field NUM_TOKENS = Field.of("num_tokens");
  private static final Field STEP = Field.of("step");

  private final Canvas c;
  private final RequestLifecycles lifecycles;
  private final Map<String, Request> live = new HashMap<>();
  private final Map<Integer, Lanes> lanes = new HashMap<>();
  private SpoolRecord current;
  private long drawn;
  /** Set in finish(): the rows RequestLifecycles hands out then are of requests never seen finishing. */
  private List<Object[]> unfinished;
  private long unfinishedLeftOut;

  /**
   * Requests in flight when the records end that are drawn (to that end): the latest to start. A
   * request the probe never saw finish (it forgot it, or the process died) would otherwise hold a
   * lane to the end of the trace, and a session with many such would get as many lanes.
   */
  static final int MAX_UNFINISHED = 256;

  /** What the lifecycle row does not hold: where, and the chunks and preemptions in order. */
  private static final class Request {
    final int process;
    final List<long[]> chunks = new ArrayList<>(); // {ts, tokens, step}
    final List<Preemption> preemptions = new ArrayList<>();

    Request(int process) {
      this.process = process;
    }
  }

  private static final class Preemption {
    final long atNs;
    final String reason;
    final String detail;
    long resumedNs = -1;

    Preemption(long atNs, String reason, String detail) {
      this.atNs = atNs;
      this.reason = reason;
      this.detail = detail;
    }
  }

  RequestTracks(Canvas canvas, RecordSchema schema) {
    this.c = canvas;
    this.lifecycles = new RequestLifecycles(new SessionClock(canvas.startNs), schema, this::event, this::lifecycle);
  }

  @Override
  public boolean wants(String recordName) {
    return recordName.equals("request_event") || recordName.equals("prefill_chunk");
  }

  @Override
  public void accept(SpoolRecord r) {
    current = r;
    String id = r.getString(REQUEST_ID);
    Request q = live.computeIfAbsent(id, k -> new Request(r.process()));
    if (r.name().equals("prefill_chunk")) {
      q.chunks.add(new long[] {c.rel(r.tNs()), r.getInt(NUM_TOKENS), r.getLong(STEP)});
      return;
    }
    lifecycles.accept(r); // calls event() and lifecycle() back
  }

  private void event(RequestLifecycles.PreemptionEvent e) {
    Request q = live.get(e.requestId());
    long t = c.rel(current.tNs());
    if (e.event().equals("preempted")) {
      q.preemptions.add(new Preemption(t, e.reason(), e.extraInfo()));
    } else if (!q.preemptions.isEmpty() && q.preemptions.getLast().resumedNs < 0) {
      q.preemptions.getLast().resumedNs = t;
    }
  }

  private void lifecycle(RequestLifecycles.Lifecycle l) {
    Request q = live.remove(l.requestId());
    if (unfinished != null) {
      unfinished.add(new Object[] {l, q});
      return;
    }
    draw(l, q);
  }

  private void draw(RequestLifecycles.Lifecycle l, Request q) {
    boolean finished = !Double.isNaN(l.finishedSec());
    double startSec = Double.isNaN(l.arrivalSec()) ? l.startedSec() : l.arrivalSec();
    if (q == null || Double.isNaN(startSec)) {
      return; // nothing but a finish (the probe attached late): no time to draw from
    }
    long start = Canvas.ns(startSec);
    long end = finished ? Canvas.ns(l.finishedSec()) : Math.max(start, c.endNs());
    if (!c.window.contains(start)) {
      return;
    }
    int lane = lanes.computeIfAbsent(q.process, k -> new Lanes()).place(start, end);
    long track = c.groups.track(q.process, TrackGroups.Kind.REQUESTS, lane);
    try {
      draw(track, l, q, start, end, finished);
    } catch (IOException e) {
      throw Canvas.wrap(e);
    }
    drawn++;
  }

  private void draw(long track, RequestLifecycles.Lifecycle l, Request q, long start, long end, boolean finished)
      throws IOException {
    PerfettoTrace t = c.trace;
    PerfettoTrace.Args args = new PerfettoTrace.Args().put("request_id", l.requestId())
        .put("prompt_tokens", l.numPromptTokens()).put("output_tokens", l.numOutputTokens())
        .put("preemptions", l.numPreemptions()).put("finish_reason", finished ? l.finishReason() : "unfinished");
    if (finished) {
      args.put("total_time_sec", l.totalTimeSec());
    }
    if (!Double.isNaN(l.queueWaitSec())) {
      args.put("queue_wait_sec", l.queueWaitSec());
    }
    if (!Double.isNaN(l.firstTokenSec()) && !Double.isNaN(l.arrivalSec())) {
      args.put("ttft_sec", l.firstTokenSec() - l.arrivalSec());
    }
    t.begin(track, start, finished ? l.requestId() : l.requestId() + " (unfinished)", args);
    long started = Double.isNaN(l.startedSec()) ? end : Math.min(end, Math.max(start, Canvas.ns(l.startedSec())));
    long firstToken = Double.isNaN(l.firstTokenSec()) ? end
        : Math.min(end, Math.max(started, Canvas.ns(l.firstTokenSec())));
    boolean decodes = !Double.isNaN(l.firstTokenSec());
    boolean prefills = !Double.isNaN(l.startedSec());
    if (!Double.isNaN(l.arrivalSec())) {
      phase(track, "queued", start, started, q, !prefills);
    }
    if (prefills) {
      phase(track, "prefill", started, firstToken, q, !decodes);
    }
    if (decodes) {
      phase(track, "decode", firstToken, end, q, true);
    }
    t.end(track, end);
  }

  /**
   * One phase slice and what happened in it: chunks and preemptions starting in [from, to), or at to
   * when it is the last. A chunk's time is its step's schedule() start and the request is marked
   * scheduled when schedule() returns, so a first chunk falls microseconds inside "queued".
   */
  private void phase(long track, String name, long from, long to, Request q, boolean last) throws IOException {
    PerfettoTrace t = c.trace;
    t.begin(track, from, name, null);
    int ci = 0;
    for (Preemption p : q.preemptions) {
      if (p.atNs < from || p.atNs > to || (p.atNs == to && !last)) {
        continue;
      }
      for (; ci < q.chunks.size() && q.chunks.get(ci)[0] <= p.atNs; ci++) {
        chunk(track, q.chunks.get(ci), from, to, last);
      }
      t.instant(track, p.atNs, "preempted", new PerfettoTrace.Args().put("reason", p.reason).put("detail", p.detail));
      long until = p.resumedNs < 0 ? to : Math.min(to, p.resumedNs);
      t.begin(track, p.atNs, "waiting after preemption", null);
      t.end(track, until);
    }
    for (; ci < q.chunks.size(); ci++) {
      chunk(track, q.chunks.get(ci), from, to, last);
    }
    t.end(track, to);
  }

  private void chunk(long track, long[] chunk, long from, long to, boolean last) throws IOException {
    if (chunk[0] >= from && (chunk[0] < to || (last && chunk[0] == to))) {
      c.trace.instant(track, chunk[0], "prefill chunk",
          new PerfettoTrace.Args().put("tokens", chunk[1]).put("step", chunk[2]));
    }
  }

  long drawn() {
    return drawn;
  }

  /** Requests in flight at the end that were not drawn (all but the MAX_UNFINISHED latest to start). */
  long unfinishedLeftOut() {
    return unfinishedLeftOut;
  }

  @Override
  public void finish() {
    unfinished = new ArrayList<>();
    lifecycles.finish(); // requests still in flight: drawn to the end of the records
    java.util.function.ToDoubleFunction<Object[]> start = o -> {
      RequestLifecycles.Lifecycle l = (RequestLifecycles.Lifecycle) o[0];
      return Double.isNaN(l.arrivalSec()) ? l.startedSec() : l.arrivalSec();
    };
    List<Object[]> drawnRows = unfinished.stream().filter(o -> !Double.isNaN(start.applyAsDouble(o)))
        .sorted(java.util.Comparator.comparingDouble(start)).toList();
    int from = Math.max(0, drawnRows.size() - MAX_UNFINISHED);
    unfinishedLeftOut = from;
    for (Object[] o : drawnRows.subList(from, drawnRows.size())) {
      draw((RequestLifecycles.Lifecycle) o[0], (Request) o[1]);
    }
    unfinished = null;
  }
}
