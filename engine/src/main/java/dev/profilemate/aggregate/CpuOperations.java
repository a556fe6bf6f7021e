package dev.profilemate.aggregate;

import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Host time per CPU phase. Scheduling and output updates come from the scheduler's own step
 * records (so the probe does not write them twice); the rest from cpu_operation records.
 */
public final class CpuOperations implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field UPDATE_T_NS = Field.of("update_t_ns");
  private static final Field UPDATE_NS = Field.of("update_ns");
  private static final Field STEP = Field.of("step");
  private static final Field SCHEDULE_NS = Field.of("schedule_ns");
  private static final Field DURATION_NS = Field.of("duration_ns");
  private static final Field OPERATION = Field.of("operation");
  private static final Field CONTEXT = Field.of("context");

  private final SessionClock clock;
  private final Consumer<Operation> sink;
  private final Map<String, Percentiles> byOp = new TreeMap<>();

  public CpuOperations(SessionClock clock, Consumer<Operation> sink) {
    this.clock = clock;
    this.sink = sink;
  }

  /** process: the index of the process that did it (its ranks: {@link Ranks}). */
  public record Operation(double timestampSec, String operation, double durationMs, String context, int process) {}

  public record Summary(Map<String, Percentiles.Snapshot> operations, double totalMs) {}

  /** The types accept() reads (its cases): the rest are never handed to it. */
  private static final java.util.Set<String> RECORDS = java.util.Set.of("scheduler_step_v3", "scheduler_step_v2", "scheduler_step", "scheduler_update", "step_output", "cpu_operation");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    switch (r.name()) {
      case "scheduler_step_v3" -> {
        // the step record carries the last update_from_output before it (none before the first),
        // labelled with the step scheduled before this one, as scheduler_update records are
        if (r.getLong(UPDATE_T_NS) != 0) {
          add(r.process(), r.getLong(UPDATE_T_NS), "update_from_output", r.getLong(UPDATE_NS), "step=" + (r.getLong(STEP) - 1));
        }
        add(r.process(), r.tNs(), "scheduling", r.getLong(SCHEDULE_NS), "step=" + r.getLong(STEP));
      }
      case "scheduler_step_v2", "scheduler_step" ->
          add(r.process(), r.tNs(), "scheduling", r.getLong(SCHEDULE_NS), "step=" + r.getLong(STEP));
      case "scheduler_update", "step_output" -> // step_output: spools written before session 5
          add(r.process(), r.tNs(), "update_from_output", r.getLong(DURATION_NS), "step=" + r.getLong(STEP));
      case "cpu_operation" -> add(r.process(), r.tNs(), r.getString(OPERATION), r.getLong(DURATION_NS), r.getString(CONTEXT));
      default -> {}
    }
  }

  private void add(int process, long tNs, String op, long durNs, String context) {
    byOp.computeIfAbsent(op, k -> new Percentiles()).add(durNs);
    sink.accept(new Operation(clock.sec(tNs), op, SessionClock.millis(durNs), context, process));
  }

  public Summary summary() {
    Map<String, Percentiles.Snapshot> ops = new TreeMap<>();
    double total = 0;
    for (Map.Entry<String, Percentiles> e : byOp.entrySet()) {
      Percentiles.Snapshot s = e.getValue().snapshot();
      ops.put(e.getKey(), s);
      total += s.totalMs();
    }
    return new Summary(ops, total);
  }
}
