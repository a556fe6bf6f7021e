package dev.profilemate.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SideLaneTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  /** Remembers what it was handed and on which thread; wants only the given types. */
  private static final class Seen implements RecordConsumer {
    final Set<String> wanted;
    final List<String> got = new ArrayList<>();
    final Set<String> threads = new java.util.HashSet<>();

    Seen(Set<String> wanted) {
      this.wanted = wanted;
    }

    @Override
    public void accept(SpoolRecord r) {
      got.add(r.name() + "@" + r.tNs());
      threads.add(Thread.currentThread().getName());
    }

    @Override
    public boolean wants(String recordName) {
      return wanted.contains(recordName);
    }
  }

  private static SpoolRecord rec(String type, long t) {
    return new SpoolRecord(SCHEMA.byName(type), 0, t, new Object[SCHEMA.byName(type).fields().size()]);
  }

  /** Across batch ends and awaits, each consumer gets the types it wants in order, on the lane's thread. */
  @Test
  void eachConsumerGetsItsRecordsInOrderOnTheLanesThread() {
    Seen evictions = new Seen(Set.of("kv_block_eviction"));
    Seen both = new Seen(Set.of("kv_block_eviction", "forward_pass"));
    List<String> wantEvictions = new ArrayList<>();
    List<String> wantBoth = new ArrayList<>();
    try (SideLane lane = SideLane.of(List.of(evictions, both))) {
      assertThat(lane.wants("kv_block_eviction")).isTrue();
      assertThat(lane.wants("forward_pass")).isTrue();
      assertThat(lane.wants("cpu_operation")).isFalse();
      int n = SideLane.BATCH * 3 + 7; // whole batches and a short one
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < n; i++) {
          long t = round * 1_000_000L + i;
          String type = i % 3 == 0 ? "forward_pass" : "kv_block_eviction";
          lane.accept(rec(type, t));
          if (type.equals("kv_block_eviction")) {
            wantEvictions.add(type + "@" + t);
          }
          wantBoth.add(type + "@" + t);
        }
        lane.await();
        // after await() everything handed over has been fed: the lists are whole
        assertThat(evictions.got).isEqualTo(wantEvictions);
        assertThat(both.got).isEqualTo(wantBoth);
      }
    }
    assertThat(evictions.threads).containsExactly("profilemate-side-lane");
  }

  /** What a consumer throws on the lane comes out of await(); close() still ends the thread. */
  @Test
  void aConsumersFailureIsThrownToTheCaller() {
    RecordConsumer failing = new RecordConsumer() {
      @Override
      public void accept(SpoolRecord r) {
        if (r.tNs() == 10) {
          throw new IllegalStateException("bad record");
        }
      }
    };
    SideLane lane = SideLane.of(List.of(failing));
    for (int i = 0; i < 20; i++) {
      lane.accept(rec("kv_block_eviction", i));
    }
    assertThatThrownBy(lane::await).isInstanceOf(IllegalStateException.class).hasMessage("bad record");
    lane.close();
    assertThat(lane.threadAlive()).isFalse();
  }
}
