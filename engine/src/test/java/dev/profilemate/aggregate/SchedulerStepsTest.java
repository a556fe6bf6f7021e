package dev.profilemate.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.RecordType;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The step record before and after session 5 (limits on every step vs once) and session 10 (free blocks,
 * the previous update inside) read alike. */
class SchedulerStepsTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  private static SpoolRecord rec(String name, long tNs, Object... values) {
    RecordType type = SCHEMA.byName(name);
    return new SpoolRecord(type, 0, tNs, values);
  }

  /** What a consumer made from the records, in order. */
  private static <T> List<T> feed(
      BiFunction<SessionClock, Consumer<T>, RecordConsumer> consumer, SpoolRecord... records) {
    List<T> out = new ArrayList<>();
    RecordConsumer c = consumer.apply(new SessionClock(1_000_000_000L), out::add);
    for (SpoolRecord r : records) {
      c.accept(r);
    }
    return out;
  }

  private static List<SchedulerSteps.Step> read(SpoolRecord... records) {
    return feed(SchedulerSteps::new, records);
  }

  private static List<CpuOperations.Operation> cpu(SpoolRecord... records) {
    return feed(CpuOperations::new, records);
  }

  @Test
  void aStepWithItsLimitsOnceReadsAsTheOldStepWithLimitsOnEveryStep() {
    // 12 requests, 300 tokens of which 2 requests / 289 tokens prefill; 37 of 96 blocks in use
    List<SchedulerSteps.Step> old =
        read(
            rec("scheduler_step", 2_000_000_000L, 2_000_000_000L, 5L, 40_000L, 12L, 300L, 2L, 10L, 289L, 11L,
                12L, 3L, 64L, 2048L, 37L, 96L, 37.0 / 96, 1L, 2L, 0L, 4L, 1L, 2L));
    List<SchedulerSteps.Step> now =
        read(
            rec("scheduler_limits", 1_500_000_000L, 1_500_000_000L, 64L, 2048L, 96L),
            rec("scheduler_step_v2", 2_000_000_000L, 2_000_000_000L, 5L, 40_000L, 12L, 300L, 2L, 289L, 12L, 3L,
                37L, 1L, 2L, 0L, 4L, 1L, 2L));
    assertThat(now).hasSize(1).isEqualTo(old);
    assertThat(now.get(0).phase()).isEqualTo("mixed");
    assertThat(now.get(0).numDecodeTokens()).isEqualTo(11);
    assertThat(now.get(0).kvUsagePct()).isEqualTo(100.0 * (37.0 / 96));
  }

  @Test
  void aStepWithFreeBlocksAndThePreviousUpdateReadsAsTheV2StepAndItsUpdateRecord() {
    // as above: 37 of 96 blocks in use = 59 free; the update of step 4 rides in step 5
    SpoolRecord limits = rec("scheduler_limits", 1_500_000_000L, 1_500_000_000L, 64L, 2048L, 96L);
    SpoolRecord v2 =
        rec("scheduler_step_v2", 2_000_000_000L, 2_000_000_000L, 5L, 40_000L, 12L, 300L, 2L, 289L, 12L, 3L,
            37L, 1L, 2L, 0L, 4L, 1L, 2L);
    SpoolRecord update = rec("scheduler_update", 1_900_000_000L, 1_900_000_000L, 4L, 70_000L);
    SpoolRecord v3 =
        rec("scheduler_step_v3", 2_000_000_000L, 2_000_000_000L, 5L, 40_000L, 1_900_000_000L, 70_000L, 12L,
            300L, 2L, 289L, 12L, 3L, 59L, 1L, 2L, 0L, 4L, 2L);
    assertThat(read(limits, v3)).isEqualTo(read(limits, v2));
    assertThat(cpu(limits, v3)).isEqualTo(cpu(limits, update, v2));
    assertThat(cpu(limits, v3)).extracting(CpuOperations.Operation::operation)
        .containsExactly("update_from_output", "scheduling");
    // the first step has no update before it
    SpoolRecord first =
        rec("scheduler_step_v3", 2_000_000_000L, 2_000_000_000L, 0L, 40_000L, 0L, 0L, 1L, 16L, 1L, 16L, 1L, 0L,
            95L, 0L, 1L, 0L, 1L, 0L);
    assertThat(cpu(limits, first)).extracting(CpuOperations.Operation::operation).containsExactly("scheduling");
    assertThat(read(limits, first).get(0).kvUsedBlocks()).isEqualTo(1);
  }

  @Test
  void eachEngineCoresStepsReadItsOwnLimits() {
    // two data-parallel EngineCores with different KV caches, their records merged by time
    SpoolRecord limitsA = new SpoolRecord(SCHEMA.byName("scheduler_limits"), 0, 1L, new Object[] {1L, 64L, 2048L, 96L});
    SpoolRecord limitsB = new SpoolRecord(SCHEMA.byName("scheduler_limits"), 1, 2L, new Object[] {2L, 32L, 1024L, 40L});
    Object[] fields = {3L, 0L, 40_000L, 0L, 0L, 4L, 4L, 0L, 0L, 4L, 0L, 30L, 0L, 0L, 0L, 0L, 0L};
    SpoolRecord stepA = new SpoolRecord(SCHEMA.byName("scheduler_step_v3"), 0, 3L, fields);
    SpoolRecord stepB = new SpoolRecord(SCHEMA.byName("scheduler_step_v3"), 1, 3L, fields);
    List<SchedulerSteps.Step> steps = read(limitsA, limitsB, stepA, stepB);
    assertThat(steps).extracting(SchedulerSteps.Step::kvUsedBlocks).containsExactly(66, 10);
    assertThat(steps).extracting(SchedulerSteps.Step::maxNumSeqs).containsExactly(64, 32);
  }

  @Test
  void stepsBeforeAnyLimitsReportNoUtilisationInsteadOfFailing() {
    List<SchedulerSteps.Step> steps =
        read(rec("scheduler_step_v2", 2_000_000_000L, 2_000_000_000L, 0L, 40_000L, 4L, 4L, 0L, 0L, 4L, 0L, 9L,
            0L, 0L, 0L, 0L, 0L, 0L));
    assertThat(steps).hasSize(1);
    assertThat(steps.get(0).seqUtilizationPct()).isZero();
    assertThat(steps.get(0).kvUsagePct()).isZero();
    assertThat(steps.get(0).phase()).isEqualTo("decode");
  }
}
