package dev.profilemate.otlp;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.SchedulerSteps;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.spool.SpoolRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;

/**
 * Step records → {@link StepSample}s, each handed on once the next step of its scheduler bounds
 * its duration. The steps themselves (phase, tokens, KV usage) are {@link SchedulerSteps}'s, so the
 * metrics agree with batch_utilization.csv and kv_cache_usage.csv.
 */
final class StepSamples implements RecordConsumer, java.io.Serializable {
  private final SchedulerSteps steps;
  private final IntToLongFunction pidOf;
  private final Consumer<StepSample> sink;
  private boolean last;
  private final Map<Integer, StepSample> pending = new HashMap<>();
  /** The record being fed (not state: SchedulerSteps calls back while it is fed). */
  private transient SpoolRecord current;

  /** last: hand on each process's last step too, without a duration (the session is over). */
  StepSamples(SessionClock clock, IntToLongFunction pidOf, Consumer<StepSample> sink, boolean last) {
    this.pidOf = pidOf;
    this.sink = sink;
    this.last = last;
    this.steps = new SchedulerSteps(clock, (java.util.function.Consumer<SchedulerSteps.Step> & java.io.Serializable) this::step);
  }

  /** Whether the session has ended by the next {@link #finish} (collect's last refresh). */
  void last(boolean over) {
    last = over;
  }

  @Override
  public void accept(SpoolRecord r) {
    current = r; // SchedulerSteps calls back synchronously, for step records only
    steps.accept(r);
  }

  private void step(SchedulerSteps.Step s) {
    int process = current.process();
    StepSample sample = new StepSample(pidOf.applyAsLong(process), current.tNs(), s.phase(), -1,
        s.numPrefillTokens(), s.numDecodeTokens(), s.kvUsagePct() / 100, s.runningQueueLen(), s.waitingQueueLen(),
        s.numPreempted());
    StepSample before = pending.put(process, sample);
    if (before != null) {
      sink.accept(new StepSample(before.pid(), before.tNs(), before.phase(), sample.tNs() - before.tNs(),
          before.prefillTokens(), before.decodeTokens(), before.kvUsage(), before.running(), before.waiting(),
          before.preempted()));
    }
  }

  @Override
  public void finish() {
    // while vLLM runs each scheduler's last step stays pending: the next refresh's next step bounds it
    if (last) {
      pending.values().stream().sorted(java.util.Comparator.comparingLong(StepSample::tNs)).forEach(sink);
      pending.clear();
    }
  }
}
