package dev.profilemate.aggregate;

import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.function.Consumer;

/** One row per cached KV block dropped from the prefix cache, with lifetime and idle time. */
public final class KvEvictions implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field LIFETIME_NS = Field.of("lifetime_ns");
  private static final Field IDLE_NS = Field.of("idle_ns");
  private static final Field BLOCK_ID = Field.of("block_id");

  private final SessionClock clock;
  private final Consumer<Eviction> sink;
  private final Percentiles lifetime = new Percentiles();
  private final Percentiles idle = new Percentiles();

  public KvEvictions(SessionClock clock, Consumer<Eviction> sink) {
    this.clock = clock;
    this.sink = sink;
  }

  public record Eviction(double timestampSec, double lifetimeSec, double idleSec, int blockId, int process) {}

  public record Summary(long evictions, Percentiles.Snapshot lifetime, Percentiles.Snapshot idle) {}

  /** The types accept() reads (its cases): the rest are never handed to it. */
  private static final java.util.Set<String> RECORDS = java.util.Set.of("kv_block_eviction");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    if (!r.name().equals("kv_block_eviction")) {
      return;
    }
    long life = r.getLong(LIFETIME_NS);
    long idl = r.getLong(IDLE_NS);
    lifetime.add(life);
    idle.add(idl);
    sink.accept(
        new Eviction(clock.sec(r.tNs()), SessionClock.seconds(life), SessionClock.seconds(idl), r.getInt(BLOCK_ID),
            r.process()));
  }

  public Summary summary() {
    return new Summary(lifetime.count(), lifetime.snapshot(), idle.snapshot());
  }
}
