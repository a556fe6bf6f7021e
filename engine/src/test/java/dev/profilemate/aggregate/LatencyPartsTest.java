package dev.profilemate.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.RecordType;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hand-built record sequences whose parts are known: steps 10 ms apart (session start 0), each
 * request's states laid out by hand, and the parts checked to the nanosecond.
 */
class LatencyPartsTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();
  private static final double MS = 1e-3;
  private static final int ARRIVED = 1;
  private static final int PREEMPTED = 3;
  private static final int FINISHED = 5;
  private static final int FIRST_TOKEN = 6;

  private final List<SpoolRecord> records = new ArrayList<>();
  private final List<LatencyParts.Row> rows = new ArrayList<>();
  private LatencyParts parts;

  private static SpoolRecord record(String type, double sec, Map<String, Object> fields) {
    RecordType t = SCHEMA.byName(type);
    long ns = Math.round(sec * 1e9);
    Object[] v = new Object[t.fields().size()];
    for (int i = 0; i < v.length; i++) {
      String f = t.fields().get(i);
      v[i] = f.equals("t_ns") ? ns : fields.getOrDefault(f, t.types().get(i).name().startsWith("STR") ? "" : 0L);
    }
    return new SpoolRecord(t, 0, ns, v);
  }

  private LatencyPartsTest limits(int seqs, int tokens) {
    records.add(record("scheduler_limits", 0, Map.of("max_num_seqs", (long) seqs, "max_num_batched_tokens",
        (long) tokens, "kv_total_blocks", 100L)));
    return this;
  }

  private LatencyPartsTest step(double ms, long n, int reqs, int tokens, int running, int waiting) {
    Map<String, Object> f = new HashMap<>();
    f.put("step", n);
    f.put("num_reqs", (long) reqs);
    f.put("num_tokens", (long) tokens);
    f.put("running_len", (long) running);
    f.put("waiting_len", (long) waiting);
    f.put("kv_free_blocks", 50L);
    records.add(record("scheduler_step_v3", ms * MS, f));
    return this;
  }

  private LatencyPartsTest chunk(double ms, long n, int tokens, String id) {
    records.add(record("prefill_chunk", ms * MS, Map.of("step", n, "num_tokens", (long) tokens, "request_id", id)));
    return this;
  }

  private LatencyPartsTest event(double ms, int event, String id, int prompt, int outputs, int computed,
      String reason) {
    records.add(record("request_event", ms * MS, Map.of("event", (long) event, "num_prompt_tokens", (long) prompt,
        "num_output_tokens", (long) outputs, "num_computed_tokens", (long) computed, "request_id", id,
        "reason", reason)));
    return this;
  }

  private LatencyPartsTest outputProcessing(double ms, double durationMs) {
    records.add(record("cpu_operation", ms * MS, Map.of("duration_ns", Math.round(durationMs * 1e6),
        "operation", "output_processing", "context", "outputs=1")));
    return this;
  }

  private Map<String, LatencyParts.Row> run() {
    parts = new LatencyParts(new SessionClock(0), SCHEMA, rows::add);
    records.forEach(parts::accept);
    parts.finish();
    Map<String, LatencyParts.Row> byId = new HashMap<>();
    rows.forEach(r -> byId.put(r.requestId(), r));
    return byId;
  }

  private static void assertTtftAddsUp(LatencyParts.Row r) {
    assertThat(r.queueWaitSec() + r.prefillComputeSec() + r.betweenChunksSec() + r.preemptionTtftSec())
        .isCloseTo(r.ttftSec(), within(1e-9));
  }

  private static void assertItlAddsUp(LatencyParts.Row r) {
    assertThat(r.decodeStepSec() + r.satOutSec() + r.preemptionItlSec()).isCloseTo(r.itlSec(), within(1e-9));
  }

  @Test
  void queueThenTwoChunksWithAWaitBetweenThenTwoDecodeSteps() {
    limits(4, 100)
        .event(0, ARRIVED, "a", 150, 0, 0, "")
        .step(5, 0, 1, 10, 1, 1)                 // another request's step: a waits
        .chunk(10, 1, 100, "a").step(10, 1, 1, 100, 1, 0)
        .step(20, 2, 1, 100, 2, 0)               // a's chunk ended at 20; another request's chunk runs
        .chunk(30, 3, 50, "a").step(30, 3, 1, 50, 2, 0)
        .event(38, FIRST_TOKEN, "a", 150, 1, 0, "")
        .step(40, 4, 2, 2, 2, 0).step(50, 5, 2, 2, 2, 0)
        .event(55, FINISHED, "a", 150, 3, 0, "stop");
    LatencyParts.Row a = run().get("a");
    assertThat(a.ttftSec()).isCloseTo(0.038, within(1e-9));
    assertThat(a.queueWaitSec()).isCloseTo(0.010, within(1e-9));
    assertThat(a.prefillComputeSec()).as("10 ms of chunk 1 + 8 ms of chunk 2 up to the first token")
        .isCloseTo(0.018, within(1e-9));
    assertThat(a.betweenChunksSec()).isCloseTo(0.010, within(1e-9));
    assertThat(a.preemptionTtftSec()).isZero();
    assertThat(a.prefillChunks()).isEqualTo(2);
    assertTtftAddsUp(a);
    assertThat(a.itlSec()).as("17 ms over 2 gaps").isCloseTo(0.0085, within(1e-9));
    assertThat(a.decodeStepSec()).isCloseTo(0.0085, within(1e-9));
    assertThat(a.satOutSec()).isZero();
    assertThat(a.decodeSteps()).isEqualTo(2);
    assertThat(a.satOutSteps()).isZero();
    assertThat(a.ttftDominant()).isEqualTo("prefill_compute");
    assertThat(a.itlDominant()).isEqualTo("decode_step");
    assertItlAddsUp(a);
    assertThat(a.apiOutputSec()).as("no API server records").isNaN();
  }

  @Test
  void aStepWithSomeoneLeftOutIsGivenToTheRequestThatSampledFewerTokens() {
    // a and b decode from 10 ms to 50 ms: steps at 10, 20, 30, 40; the one at 20 ran only one of them
    limits(4, 2)
        .event(0, ARRIVED, "a", 16, 0, 0, "").event(0, ARRIVED, "b", 16, 0, 0, "")
        .chunk(0, 0, 16, "a").chunk(0, 0, 16, "b").step(0, 0, 2, 32, 2, 0)
        .event(10, FIRST_TOKEN, "a", 16, 1, 0, "").event(10, FIRST_TOKEN, "b", 16, 1, 0, "")
        .step(10, 1, 2, 2, 2, 0).step(20, 2, 1, 2, 2, 0).step(30, 3, 2, 2, 2, 0).step(40, 4, 2, 2, 2, 0)
        .event(50, FINISHED, "a", 16, 4, 0, "length")   // 3 decode tokens in 4 steps: sat out one
        .event(50, FINISHED, "b", 16, 5, 0, "length");  // 4 decode tokens: ran in all four
    Map<String, LatencyParts.Row> r = run();
    LatencyParts.Row a = r.get("a");
    assertThat(a.decodeSteps()).isEqualTo(3);
    assertThat(a.satOutSteps()).isEqualTo(1);
    assertThat(a.satOutSec()).as("the 10 ms step it sat out, over 3 gaps").isCloseTo(0.010 / 3, within(1e-9));
    assertThat(a.decodeStepSec()).isCloseTo(0.030 / 3, within(1e-9));
    assertItlAddsUp(a);
    LatencyParts.Row b = r.get("b");
    assertThat(b.satOutSteps()).isZero();
    assertThat(b.satOutSec()).isZero();
    assertThat(b.decodeSteps()).isEqualTo(4);
    assertItlAddsUp(b);
  }

  @Test
  void aPreemptionWhileDecodingLastsUntilTheRecomputationsStepEnds() {
    limits(4, 100)
        .event(0, ARRIVED, "a", 16, 0, 0, "")
        .chunk(0, 0, 16, "a").step(0, 0, 1, 16, 1, 0)
        .event(8, FIRST_TOKEN, "a", 16, 1, 0, "")
        .step(10, 1, 1, 1, 1, 0)
        .event(20, PREEMPTED, "a", 16, 2, 17, "kv_cache_full").step(20, 2, 1, 1, 1, 1)
        .step(30, 3, 1, 1, 1, 1)
        .chunk(40, 4, 17, "a").step(40, 4, 1, 17, 1, 0)   // resumed: recomputes 17 tokens, samples its 3rd
        .step(50, 5, 1, 1, 1, 0)
        .event(60, FINISHED, "a", 16, 4, 0, "length");
    LatencyParts.Row a = run().get("a");
    assertThat(a.ttftSec()).isCloseTo(0.008, within(1e-9));
    assertThat(a.prefillComputeSec()).isCloseTo(0.008, within(1e-9));
    assertThat(a.itlSec()).as("52 ms over 3 gaps").isCloseTo(0.052 / 3, within(1e-9));
    assertThat(a.preemptionItlSec()).as("20 ms preempted + the 10 ms recomputation step")
        .isCloseTo(0.030 / 3, within(1e-9));
    assertThat(a.decodeStepSec()).as("8→20 ms and the step at 50").isCloseTo(0.022 / 3, within(1e-9));
    assertThat(a.decodeSteps()).as("4 tokens: 1 from the prefill, 1 from the recomputation").isEqualTo(2);
    assertThat(a.itlDominant()).isEqualTo("preemption");
    assertItlAddsUp(a);
  }

  @Test
  void aPreemptionDuringPrefillSharesTheNextChunkBetweenRecomputationAndNewTokens() {
    limits(4, 100)
        .event(0, ARRIVED, "a", 150, 0, 0, "")
        .chunk(0, 0, 100, "a").step(0, 0, 1, 100, 1, 0)
        .event(10, PREEMPTED, "a", 150, 0, 100, "kv_cache_full").step(10, 1, 1, 50, 1, 1)
        .chunk(20, 2, 150, "a").step(20, 2, 1, 100, 1, 0)  // 100 recomputed + the last 50 new
        .event(26, FIRST_TOKEN, "a", 150, 1, 0, "")
        .event(30, FINISHED, "a", 150, 1, 0, "length");
    LatencyParts.Row a = run().get("a");
    assertThat(a.ttftSec()).isCloseTo(0.026, within(1e-9));
    assertThat(a.preemptionTtftSec()).as("10 ms preempted + 2/3 of the 6 ms chunk").isCloseTo(0.014, within(1e-9));
    assertThat(a.prefillComputeSec()).as("10 ms + 1/3 of 6 ms").isCloseTo(0.012, within(1e-9));
    assertThat(a.prefillChunks()).isEqualTo(2);
    assertTtftAddsUp(a);
    assertThat(a.itlSec()).as("one output token: no gap").isNaN();
    assertThat(a.itlDominant()).isEmpty();
  }

  @Test
  void theApiServersOutputProcessingAfterTheFirstTokenIsBesideTtft() {
    limits(4, 100)
        .event(0, ARRIVED, "a", 16, 0, 0, "")
        .chunk(0, 0, 16, "a").step(0, 0, 1, 16, 1, 0)
        .outputProcessing(5, 0.3)                    // before the first token: not its
        .event(8, FIRST_TOKEN, "a", 16, 1, 0, "")
        .outputProcessing(9, 0.7)
        .step(10, 1, 1, 1, 1, 0)
        .event(20, FINISHED, "a", 16, 2, 0, "stop");
    LatencyParts.Row a = run().get("a");
    assertThat(a.apiOutputSec()).isCloseTo(0.0007, within(1e-12));
    assertThat(a.ttftSec()).isCloseTo(0.008, within(1e-9));
    assertThat(parts.summary().get("notes").toString()).contains("api_output: the API server's output processing");
  }

  @Test
  void requestsWaitingWhileMaxNumSeqsRunNameQueueWaitAndMaxNumSeqs() {
    limits(2, 1000);
    for (int i = 0; i < 10; i++) {
      event(0, ARRIVED, "r" + i, 16, 0, 0, "");
    }
    // two at a time: r(2k), r(2k+1) prefill at step 3k, decode at 3k+1 and 3k+2, finish; the rest wait
    double t = 0;
    long n = 0;
    for (int k = 0; k < 5; k++) {
      String x = "r" + 2 * k;
      String y = "r" + (2 * k + 1);
      int waiting = 8 - 2 * k;
      chunk(t, n, 16, x).chunk(t, n, 16, y).step(t, n++, 2, 32, 2, waiting);
      event(t + 8, FIRST_TOKEN, x, 16, 1, 0, "").event(t + 8, FIRST_TOKEN, y, 16, 1, 0, "");
      step(t + 10, n++, 2, 2, 2, waiting).step(t + 20, n++, 2, 2, 2, waiting);
      event(t + 28, FINISHED, x, 16, 3, 0, "length").event(t + 28, FINISHED, y, 16, 3, 0, "length");
      t += 30;
    }
    Map<String, LatencyParts.Row> r = run();
    assertThat(r).hasSize(10);
    r.values().forEach(LatencyPartsTest::assertTtftAddsUp);
    assertThat(r.get("r9").queueWaitSec()).isCloseTo(0.120, within(1e-9));
    @SuppressWarnings("unchecked")
    Map<String, Object> p99 = (Map<String, Object>) ((Map<String, Object>) parts.summary().get("ttft")).get("p99");
    assertThat(p99.get("dominant")).isEqualTo("queue_wait");
    assertThat(p99.get("dominant_cause")).isEqualTo("max_num_seqs");
    assertThat((String) p99.get("why")).startsWith("94 % queue wait").contains("max_num_seqs was reached 100 %");
    @SuppressWarnings("unchecked")
    Map<String, Object> p50 = (Map<String, Object>) ((Map<String, Object>) parts.summary().get("ttft")).get("p50");
    assertThat((double) p50.get("requests")).isEqualTo(2.0);
  }

  /**
   * finish() settles copies of the requests in flight: a copy must carry every field (a field added
   * to Req and left out of copy() would settle wrong), and share no array with the original.
   */
  @Test
  void aRequestsCopyHasEveryFieldAndSharesNoArray() throws Exception {
    Class<?> req = Class.forName(LatencyParts.class.getName() + "$Req");
    var make = req.getDeclaredConstructor(String.class, int.class);
    make.setAccessible(true);
    Object q = make.newInstance("r1", 3);
    java.util.Random rnd = new java.util.Random(5);
    List<java.lang.reflect.Field> fields = new ArrayList<>();
    for (java.lang.reflect.Field f : req.getDeclaredFields()) {
      if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      f.setAccessible(true);
      fields.add(f);
      Class<?> t = f.getType();
      if (java.lang.reflect.Modifier.isFinal(f.getModifiers())) {
        if (t == double[].class) {
          double[] a = (double[]) f.get(q);
          for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextDouble();
          }
        }
      } else if (t == double.class) {
        f.setDouble(q, rnd.nextDouble());
      } else if (t == long.class) {
        f.setLong(q, 1 + rnd.nextInt(1000));
      } else if (t == int.class) {
        f.setInt(q, 1 + rnd.nextInt(1000));
      } else if (t == double[].class) {
        f.set(q, new double[] {rnd.nextDouble(), rnd.nextDouble()});
      } else if (t.isEnum()) {
        f.set(q, t.getEnumConstants()[t.getEnumConstants().length - 1]);
      } else {
        throw new AssertionError("a field of a type this test does not fill: " + f);
      }
    }
    var copy = req.getDeclaredMethod("copy");
    copy.setAccessible(true);
    Object c = copy.invoke(q);
    for (java.lang.reflect.Field f : fields) {
      Object a = f.get(q);
      Object b = f.get(c);
      if (a instanceof double[] x) {
        assertThat((double[]) b).as(f.getName()).isEqualTo(x).isNotSameAs(x);
      } else {
        assertThat(b).as(f.getName()).isEqualTo(a);
      }
    }
  }
}
