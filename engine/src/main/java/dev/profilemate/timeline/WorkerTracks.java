package dev.profilemate.timeline;

import dev.profilemate.aggregate.CudaGraphs;
import dev.profilemate.aggregate.ForwardPasses;
import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker's forward passes (a slice each, named by phase, as forward_pass_timing.csv) and CUDA
 * graph replays (a slice each, as cuda_graph_timeline.csv, with the graph's padded batch and, where
 * the forward pass around the replay is known, the padding: graph tokens less the step's tokens).
 * A forward pass timed by CUDA events lasts its GPU time from its host start, so it may outlast the
 * gap to the next: overlapping slices go to further lanes ({@link Lanes}).
 */
final class WorkerTracks implements RecordConsumer {
  private static final Field DURATION_NS = Field.of("duration_ns");
  private static final Field GPU_TIMED = Field.of("gpu_timed");

  private final Canvas c;
  private final ForwardPasses forward;
  private final CudaGraphs graphs;
  private final Map<Integer, Lanes> forwardLanes = new HashMap<>();
  private final Map<Integer, Lanes> graphLanes = new HashMap<>();
  /** Per process: the last forward pass {start, end, tokens}, to which a replay inside it belongs. */
  private final Map<Integer, long[]> lastPass = new HashMap<>();
  private SpoolRecord current;
  private long passes;
  private long replays;

  WorkerTracks(Canvas canvas, RecordSchema schema) {
    this.c = canvas;
    SessionClock clock = new SessionClock(canvas.startNs);
    this.forward = new ForwardPasses(clock, schema, this::pass);
    this.graphs = new CudaGraphs(clock, this::replay);
  }

  @Override
  public boolean wants(String recordName) {
    return forward.wants(recordName) || graphs.wants(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    current = r;
    if (forward.wants(r.name())) {
      forward.accept(r);
    } else {
      graphs.accept(r);
    }
  }

  private void pass(ForwardPasses.Pass p) {
    SpoolRecord r = current;
    long start = c.rel(r.tNs());
    long end = start + r.getLong(DURATION_NS);
    lastPass.put(r.process(), new long[] {start, end, p.numTokens()});
    if (!c.window.contains(start)) {
      return;
    }
    int lane = forwardLanes.computeIfAbsent(r.process(), k -> new Lanes()).place(start, end);
    long track = c.groups.track(r.process(), TrackGroups.Kind.FORWARD, lane);
    try {
      c.trace.begin(track, start, p.phase(), new PerfettoTrace.Args().put("batch_size", p.batchSize())
          .put("num_tokens", p.numTokens()).put("forward_time_ms", p.forwardTimeMs())
          .put("timed_by", r.getLong(GPU_TIMED) != 0 ? "cuda events" : "host clock"));
      c.trace.end(track, end);
    } catch (IOException e) {
      throw Canvas.wrap(e);
    }
    passes++;
  }

  private void replay(CudaGraphs.Replay g) {
    SpoolRecord r = current;
    long start = c.rel(r.tNs());
    long end = start + r.getLong(DURATION_NS);
    if (!c.window.contains(start)) {
      return;
    }
    CudaGraphs.Descriptor d = g.descriptor();
    PerfettoTrace.Args args = new PerfettoTrace.Args().put("runtime_mode", d.runtimeMode())
        .put("graph_num_tokens", d.numTokens()).put("num_reqs", d.numReqsText())
        .put("uniform", d.uniform() ? "True" : "False").put("has_lora", d.hasLora() ? "True" : "False")
        .put("duration_ms", g.durationMs());
    long[] pass = lastPass.get(r.process());
    if (pass != null && start >= pass[0] && start <= pass[1] && d.numTokens() >= pass[2]) {
      args.put("step_tokens", pass[2]).put("padding_tokens", d.numTokens() - pass[2]);
    }
    int lane = graphLanes.computeIfAbsent(r.process(), k -> new Lanes()).place(start, end);
    long track = c.groups.track(r.process(), TrackGroups.Kind.GRAPHS, lane);
    try {
      c.trace.begin(track, start, d.runtimeMode() + " graph " + d.numTokens(), args);
      c.trace.end(track, end);
    } catch (IOException e) {
      throw Canvas.wrap(e);
    }
    replays++;
  }

  long passes() {
    return passes;
  }

  long replays() {
    return replays;
  }
}
