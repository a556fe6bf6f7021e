package dev.profilemate.timeline;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.SchedulerSteps;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scheduler steps → a slice per step on its EngineCore's "scheduler steps" track, and the KV usage,
 * running and waiting counters. The step values are {@link SchedulerSteps}'s, so they equal
 * batch_utilization.csv and kv_cache_usage.csv row for row. A step lasts from its schedule() start
 * to the next step's on the same scheduler, as in the OTLP step metrics, but ends earlier where the
 * update_from_output() that followed it ended before the next step began: an engine waiting for
 * requests does not call schedule(), and that idle time is not the step's.
 */
final class StepTracks implements RecordConsumer {
  private static final Field SCHEDULE_NS = Field.of("schedule_ns");
  private static final Field UPDATE_T_NS = Field.of("update_t_ns");
  private static final Field UPDATE_NS = Field.of("update_ns");
  private static final Field DURATION_NS = Field.of("duration_ns");

  private final Canvas c;
  private final SchedulerSteps steps;
  private final Map<Integer, Pending> pending = new TreeMap<>();
  private SpoolRecord current;
  private long drawn;

  /** A step waiting for the next one on its scheduler, which bounds it. */
  private static final class Pending {
    SchedulerSteps.Step step;
    long startNs;
    long scheduleNs;
    long updateStartNs = -1;
    long updateNs;
  }

  StepTracks(Canvas canvas) {
    this.c = canvas;
    this.steps = new SchedulerSteps(new dev.profilemate.aggregate.SessionClock(canvas.startNs), this::step);
  }

  @Override
  public boolean wants(String recordName) {
    return steps.wants(recordName) || recordName.equals("scheduler_update");
  }

  @Override
  public void accept(SpoolRecord r) {
    if (r.name().equals("scheduler_update")) {
      Pending p = pending.get(r.process());
      if (p != null && p.updateStartNs < 0 && c.rel(r.tNs()) >= p.startNs) {
        p.updateStartNs = c.rel(r.tNs());
        p.updateNs = r.getLong(DURATION_NS);
      }
      return;
    }
    current = r;
    steps.accept(r); // calls step() back for step records
  }

  private void step(SchedulerSteps.Step s) {
    SpoolRecord r = current;
    long t = c.rel(r.tNs());
    Pending before = pending.get(r.process());
    if (before != null) {
      long updateT = r.getLong(UPDATE_T_NS);
      if (updateT != 0 && before.updateStartNs < 0 && c.rel(updateT) >= before.startNs) {
        before.updateStartNs = c.rel(updateT);
        before.updateNs = r.getLong(UPDATE_NS);
      }
      draw(r.process(), before, t);
    }
    Pending p = new Pending();
    p.step = s;
    p.startNs = t;
    p.scheduleNs = r.getLong(SCHEDULE_NS);
    pending.put(r.process(), p);
    if (c.window.contains(t)) {
      try {
        c.trace.counter(c.groups.track(r.process(), TrackGroups.Kind.KV_USAGE, 0), t, s.kvUsagePct());
        c.trace.counter(c.groups.track(r.process(), TrackGroups.Kind.RUNNING, 0), t, s.runningQueueLen());
        c.trace.counter(c.groups.track(r.process(), TrackGroups.Kind.WAITING, 0), t, s.waitingQueueLen());
      } catch (IOException e) {
        throw Canvas.wrap(e);
      }
    }
  }

  /** nextNs: the next step's start on the same scheduler, or -1 for the last step. */
  private void draw(int process, Pending p, long nextNs) {
    if (!c.window.contains(p.startNs)) {
      return;
    }
    long scheduleEnd = p.startNs + p.scheduleNs;
    boolean update = p.updateStartNs >= scheduleEnd && (nextNs < 0 || p.updateStartNs + p.updateNs <= nextNs);
    long end = update ? p.updateStartNs + p.updateNs : nextNs >= 0 ? nextNs : scheduleEnd;
    if (nextNs >= 0) {
      scheduleEnd = Math.min(scheduleEnd, nextNs);
    }
    SchedulerSteps.Step s = p.step;
    long track = c.groups.track(process, TrackGroups.Kind.STEPS, 0);
    try {
      c.trace.begin(track, p.startNs, s.phase(), new PerfettoTrace.Args().put("step", s.step())
          .put("num_reqs", s.numSeqs()).put("num_tokens", s.numTokens()).put("prefill_tokens", s.numPrefillTokens())
          .put("decode_tokens", s.numDecodeTokens()).put("running", s.runningQueueLen())
          .put("waiting", s.waitingQueueLen()).put("preempted", s.numPreempted()).put("kv_usage_pct", s.kvUsagePct())
          .put("kv_used_blocks", s.kvUsedBlocks()).put("schedule_ms", s.scheduleMs()));
      c.trace.begin(track, p.startNs, "schedule()", null);
      c.trace.end(track, scheduleEnd);
      if (update) {
        c.trace.begin(track, p.updateStartNs, "update_from_output()", null);
        c.trace.end(track, p.updateStartNs + p.updateNs);
      }
      c.trace.end(track, end);
      drawn++;
    } catch (IOException e) {
      throw Canvas.wrap(e);
    }
  }

  /** The step slices written. */
  long drawn() {
    return drawn;
  }

  @Override
  public void finish() {
    // each scheduler's last step: nothing after it bounds it but its own update, when known
    pending.forEach((process, p) -> draw(process, p, -1));
    pending.clear();
  }
}
