package dev.profilemate.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request's row on a timeline whose right answers are known: it arrives at 1 s, waits 0.5 s,
 * runs, is preempted at 2 s and 4 s, resumed at 2.5 s and 5 s, finishes at 7 s (session start 0).
 */
class RequestLifecyclesTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();
  private static final long S = 1_000_000_000L;

  private static SpoolRecord event(double sec, long event, long prompt, long outputs, long computed, String reason) {
    long t = Math.round(sec * S);
    return new SpoolRecord(SCHEMA.byName("request_event"), 0, t,
        new Object[] {t, event, prompt, outputs, computed, "req-1", reason});
  }

  private static RequestLifecycles.Lifecycle run(SpoolRecord... records) {
    List<RequestLifecycles.Lifecycle> rows = new ArrayList<>();
    RequestLifecycles r = new RequestLifecycles(new SessionClock(0), SCHEMA, e -> {}, rows::add);
    for (SpoolRecord rec : records) {
      r.accept(rec);
    }
    r.finish();
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  @Test
  void totalTimeRunsFromArrivalAndEachPreemptionIsKept() {
    RequestLifecycles.Lifecycle l = run(
        event(1.0, 1, 100, 0, 0, ""),              // arrived
        event(1.5, 2, 100, 0, 0, ""),              // scheduled
        event(1.6, 6, 100, 1, 0, ""),              // first token
        event(2.0, 3, 100, 4, 104, "kv_cache_full"),
        event(2.5, 4, 100, 4, 0, ""),              // resumed
        event(4.0, 3, 100, 9, 109, "kv_cache_full"),
        event(5.0, 4, 100, 9, 0, ""),
        event(7.0, 5, 100, 20, 0, "length"));
    assertThat(l.arrivalSec()).isEqualTo(1.0);
    assertThat(l.queueWaitSec()).isCloseTo(0.5, within(1e-9));
    assertThat(l.totalTimeSec()).as("finished − arrival, queue wait included").isCloseTo(6.0, within(1e-9));
    assertThat(l.scheduledToFinishedSec()).as("the old total_time_sec").isCloseTo(5.5, within(1e-9));
    assertThat(l.totalTimeSec()).isCloseTo(l.queueWaitSec() + l.scheduledToFinishedSec(), within(1e-9));
    assertThat(l.numPreemptions()).isEqualTo(2);
    assertThat(l.preemptedSec()).as("first preemption").isEqualTo(2.0);
    assertThat(l.resumedSec()).as("first resume").isEqualTo(2.5);
    assertThat(l.lastPreemptedSec()).isEqualTo(4.0);
    assertThat(l.lastResumedSec()).isEqualTo(5.0);
    assertThat(l.preemptionDelaySec()).as("0.5 s + 1 s preempted").isCloseTo(1.5, within(1e-9));
    assertThat(l.recomputedTokens()).isEqualTo(213);
    assertThat(l.numOutputTokens()).isEqualTo(20);
  }

  @Test
  void aRequestWhoseArrivalWasNotSeenCountsFromItsFirstScheduling() {
    RequestLifecycles.Lifecycle l = run(event(1.5, 2, 100, 0, 0, ""), event(3.0, 5, 100, 5, 0, "stop"));
    assertThat(l.totalTimeSec()).isCloseTo(1.5, within(1e-9));
    assertThat(l.queueWaitSec()).isNaN();
    assertThat(l.preemptedSec()).isNaN();
    assertThat(l.lastPreemptedSec()).isNaN();
  }

  @Test
  void aRequestStillRunningAtTheEndHasNoTotal() {
    RequestLifecycles.Lifecycle l = run(event(1.0, 1, 100, 0, 0, ""), event(1.5, 2, 100, 0, 0, ""));
    assertThat(l.finishedSec()).isNaN();
    assertThat(l.totalTimeSec()).isNaN();
    assertThat(l.scheduledToFinishedSec()).isNaN();
  }
}
