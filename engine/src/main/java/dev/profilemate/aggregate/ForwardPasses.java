package dev.profilemate.aggregate;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** One row per model forward step, and step-time percentiles per phase. */
public final class ForwardPasses implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field PHASE = Field.of("phase");
  private static final Field DURATION_NS = Field.of("duration_ns");
  private static final Field NUM_TOKENS = Field.of("num_tokens");
  private static final Field GPU_TIMED = Field.of("gpu_timed");
  private static final Field BATCH_SIZE = Field.of("batch_size");

  private final SessionClock clock;
  private final RecordSchema schema;
  private final Consumer<Pass> sink;
  private final Map<String, Percentiles> byPhase = new TreeMap<>();
  private long gpuTimed;
  private long steps;

  public ForwardPasses(SessionClock clock, RecordSchema schema, Consumer<Pass> sink) {
    this.clock = clock;
    this.schema = schema;
    this.sink = sink;
  }

  public record Pass(
      double timestampSec, String phase, int batchSize, int numTokens, double forwardTimeMs, double throughputTokensPerSec,
      int process)
      implements java.io.Serializable {}

  public record Summary(long steps, long gpuTimedSteps, Map<String, Percentiles.Snapshot> phases) {}

  @Override
  public boolean wants(String recordName) {
    return recordName.equals("forward_pass");
  }

  @Override
  public void accept(SpoolRecord r) {
    if (!r.name().equals("forward_pass")) {
      return;
    }
    String phase = schema.enumName("forward_pass.phase", r.getLong(PHASE));
    long dur = r.getLong(DURATION_NS);
    int tokens = r.getInt(NUM_TOKENS);
    byPhase.computeIfAbsent(phase, k -> new Percentiles()).add(dur);
    steps++;
    gpuTimed += r.getLong(GPU_TIMED) != 0 ? 1 : 0;
    double tput = dur > 0 ? tokens / (dur / 1e9) : 0;
    sink.accept(new Pass(clock.sec(r.tNs()), phase, r.getInt(BATCH_SIZE), tokens, SessionClock.millis(dur), tput, r.process()));
  }

  public Summary summary() {
    Map<String, Percentiles.Snapshot> m = new TreeMap<>();
    byPhase.forEach((k, v) -> m.put(k, v.snapshot()));
    return new Summary(steps, gpuTimed, m);
  }
}
