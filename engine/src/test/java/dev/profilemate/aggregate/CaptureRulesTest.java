package dev.profilemate.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.aggregate.CaptureSettings.Rule;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each rule on a synthetic timeline: quiet stretches do not fire, the induced spike fires once
 * (re-armed only after it cleared), and overlapping windows merge into one capture.
 */
class CaptureRulesTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();
  private static final long S = 1_000_000_000L;
  private static final long START = 10 * S;

  /** A timeline of records built in time order. */
  private static final class Timeline {
    final List<SpoolRecord> records = new ArrayList<>();
    long step;

    Timeline limits(long tNs, long blocks) {
      records.add(new SpoolRecord(SCHEMA.byName("scheduler_limits"), 0, tNs, new Object[] {tNs, 64L, 2048L, blocks}));
      return this;
    }

    /** A busy step at tNs whose predecessor's update ended at updateEndNs, with this many free blocks. */
    Timeline step(long tNs, long updateEndNs, long freeBlocks) {
      records.add(new SpoolRecord(SCHEMA.byName("scheduler_step_v3"), 0, tNs, new Object[] {tNs, step++, 10_000L,
          updateEndNs - 100_000L, 100_000L, 4L, 64L, 0L, 0L, 4L, 0L, freeBlocks, 0L, 0L, 0L, 0L, 0L}));
      return this;
    }

    Timeline event(long tNs, int event, String id) {
      records.add(new SpoolRecord(SCHEMA.byName("request_event"), 0, tNs, new Object[] {tNs, (long) event, 10L, 1L, 5L,
          id, event == 3 ? "kv_cache_full" : ""}));
      return this;
    }

    List<CaptureRules.Capture> run(CaptureSettings settings) {
      CaptureRules rules = new CaptureRules(settings, new SessionClock(START), SCHEMA);
      records.forEach(rules::accept);
      rules.finish();
      return rules.captures();
    }
  }

  private static CaptureSettings only(String... specs) {
    List<String> l = new ArrayList<>(List.of("off"));
    l.addAll(List.of(specs));
    return CaptureSettings.parse(l);
  }

  @Test
  void kvUsageFiresOnceAtTheThresholdAndAgainOnlyAfterFallingBelowTheRearmLevel() {
    Timeline t = new Timeline().limits(START, 100);
    long[] free = {50, 20, 6, 4, 2, 8, 6, 12, 5, 50};  // usage 50 80 94 96 98 92 94 88 95 50
    for (int i = 0; i < free.length; i++) {
      t.step(START + (i + 1) * S, START + (i + 1) * S - 1000, free[i]);
    }
    List<CaptureRules.Capture> c = t.run(only("kv_usage:on", "capture:before=0.5,after=0.5"));
    // 96 % at 4 s fires; 98, 92, 94 do not (not re-armed); 88 re-arms; 95 at 9 s fires again
    assertThat(c).extracting(CaptureRules.Capture::id).containsExactly("kv_usage-4.000", "kv_usage-9.000");
    assertThat(c.getFirst().firings()).singleElement().satisfies(f -> {
      assertThat(f.value()).isEqualTo(96.0);
      assertThat(f.threshold()).isEqualTo(95.0);
    });
    assertThat(c.getFirst().startSec()).isEqualTo(3.5);
    assertThat(c.getFirst().endSec()).isEqualTo(4.5);
  }

  @Test
  void overlappingWindowsMergeIntoOneCaptureNamedByItsFirstFiring() {
    Timeline t = new Timeline().limits(START, 100);
    long[] free = {4, 50, 4, 50};  // fires at 1 s and (re-armed at 2 s) at 3 s
    for (int i = 0; i < free.length; i++) {
      t.step(START + (i + 1) * S, START + (i + 1) * S - 1000, free[i]);
    }
    List<CaptureRules.Capture> c = t.run(only("kv_usage:on", "capture:before=0.5,after=1.5"));
    assertThat(c).singleElement().satisfies(x -> {
      assertThat(x.id()).isEqualTo("kv_usage-1.000");
      assertThat(x.firings()).hasSize(2);
      assertThat(x.startSec()).isEqualTo(0.5);
      assertThat(x.endSec()).isEqualTo(4.5);
    });
  }

  @Test
  void aPreemptionBurstFiresAtItsTenthPreemptionWithinTenSecondsNotForSparsePreemptions() {
    Timeline t = new Timeline();
    for (int i = 0; i < 20; i++) {
      t.event(START + i * 2 * S, 3, "sparse-" + i);  // one every 2 s: 5 in any 10 s
    }
    long burst = START + 60 * S;
    for (int i = 0; i < 15; i++) {
      t.event(burst + i * 100_000_000L, 3, "burst-" + i);
    }
    List<CaptureRules.Capture> c = t.run(only("preemption_burst:on"));
    assertThat(c).singleElement().satisfies(x -> {
      assertThat(x.firings()).singleElement().satisfies(f -> {
        assertThat(f.rule()).isEqualTo(Rule.PREEMPTION_BURST);
        assertThat(f.firedSec()).isEqualTo(60.9, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(f.value()).isEqualTo(10);
      });
      assertThat(x.startSec()).isEqualTo(30.9, org.assertj.core.data.Offset.offset(1e-9));
    });
  }

  @Test
  void stepTimeFiresWhenTheWindowsP99DoublesTheBaselinesAndNotOnSteadySteps() {
    Timeline t = new Timeline().limits(START, 1000);
    long now = START;
    // 60 s of 20 ms steps, then 5 s of 60 ms steps, then 20 ms again
    for (int phase = 0; phase < 3; phase++) {
      long step = phase == 1 ? 60_000_000L : 20_000_000L;
      long until = now + (phase == 0 ? 60 : phase == 1 ? 5 : 30) * S;
      while (now < until) {
        t.step(now, now - 1000, 900);  // the previous step's update ended just before this one
        now += step;
      }
    }
    CaptureSettings s = only("step_time:window=5,baseline=30,min_steps=50,min_baseline_steps=500");
    List<CaptureRules.Capture> c = t.run(s);
    assertThat(c).singleElement().satisfies(x -> assertThat(x.firings()).singleElement().satisfies(f -> {
      assertThat(f.rule()).isEqualTo(Rule.STEP_TIME);
      // the first second whose 5 s window has over 1 % slow steps: within the slow stretch
      assertThat(f.firedSec()).isBetween(60.0, 62.0);
      assertThat(f.value()).isEqualTo(60, org.assertj.core.data.Offset.offset(1.0));
      assertThat(f.threshold()).isEqualTo(40, org.assertj.core.data.Offset.offset(1.0));
    }));
    // steady steps alone never fire
    Timeline steady = new Timeline().limits(START, 1000);
    for (long x = START; x < START + 120 * S; x += 20_000_000L) {
      steady.step(x, x - 1000, 900);
    }
    assertThat(steady.run(s)).isEmpty();
  }

  @Test
  void ttftFiresOnASpikeAgainstItsBaseline() {
    Timeline t = new Timeline();
    long now = START;
    for (int i = 0; i < 400; i++) {  // one request every 0.25 s; TTFT 50 ms, then 300 ms from 80 s on
      long ttft = now >= START + 80 * S ? 300_000_000L : 50_000_000L;
      t.event(now, 1, "r" + i).event(now + ttft, 6, "r" + i).event(now + ttft + 1000, 5, "r" + i);
      now += 250_000_000L;
    }
    List<CaptureRules.Capture> c = t.run(only("ttft:window=10,baseline=60,min_requests=5,min_baseline_requests=50"));
    assertThat(c).singleElement().satisfies(x -> assertThat(x.firings()).singleElement().satisfies(f -> {
      assertThat(f.rule()).isEqualTo(Rule.TTFT);
      assertThat(f.firedSec()).isBetween(80.0, 82.0);
      assertThat(f.value()).isEqualTo(300, org.assertj.core.data.Offset.offset(3.0));
    }));
  }

  @Test
  void flagsSetTurnOffAndNameTheirMistakes() {
    CaptureSettings d = CaptureSettings.parse(List.of());
    assertThat(d.describe()).isEqualTo("step_time:window=30,baseline=600,factor=2,min_steps=100,"
        + "min_baseline_steps=1000; kv_usage:threshold=95,rearm=90; preemption_burst:count=10,window=10; "
        + "ttft:window=30,baseline=600,factor=2,min_requests=20,min_baseline_requests=100; capture:before=30,after=30");
    CaptureSettings s = CaptureSettings.parse(List.of("kv_usage:threshold=90", "ttft:off", "capture:after=60"));
    assertThat(s.get(Rule.KV_USAGE, "threshold")).isEqualTo(90);
    assertThat(s.get(Rule.KV_USAGE, "rearm")).isEqualTo(90);
    assertThat(s.on(Rule.TTFT)).isFalse();
    assertThat(s.afterSec()).isEqualTo(60);
    assertThat(s.beforeSec()).isEqualTo(30);
    assertThat(CaptureSettings.parse(List.of("off")).rules()).isEmpty();
    assertThatThrownBy(() -> CaptureSettings.parse(List.of("kv_usage:treshold=90")))
        .hasMessage("--trigger kv_usage:treshold=90: kv_usage has no setting 'treshold' (settings: threshold, rearm)");
    assertThatThrownBy(() -> CaptureSettings.parse(List.of("kv:off")))
        .hasMessageStartingWith("--trigger kv:off: no rule 'kv' (rules: step_time, kv_usage, preemption_burst, ttft");
    assertThatThrownBy(() -> CaptureSettings.parse(List.of("kv_usage:threshold=high")))
        .hasMessage("--trigger kv_usage:threshold=high: kv_usage threshold needs a number of 0 or more, as in "
            + "kv_usage:threshold=95");
  }
}
