package dev.profilemate.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordDispatchTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  /** Remembers what it was handed; wants only the given types (all when null). */
  private static final class Seen implements RecordConsumer {
    final Set<String> wanted;
    final List<String> got = new ArrayList<>();

    Seen(Set<String> wanted) {
      this.wanted = wanted;
    }

    @Override
    public void accept(SpoolRecord r) {
      got.add(r.name() + "@" + r.tNs());
    }

    @Override
    public boolean wants(String recordName) {
      return wanted == null || wanted.contains(recordName);
    }
  }

  private static SpoolRecord rec(String type, long t) {
    return new SpoolRecord(SCHEMA.byName(type), 0, t, new Object[SCHEMA.byName(type).fields().size()]);
  }

  @Test
  void eachConsumerGetsTheTypesItWantsInTheirOrderAndTheDefaultGetsAll() {
    Seen steps = new Seen(Set.of("scheduler_step_v3"));
    Seen events = new Seen(Set.of("request_event", "kv_block_eviction"));
    Seen all = new Seen(null);
    Seen none = new Seen(Set.of());
    RecordDispatch d = new RecordDispatch(List.of(steps, events, all, none));
    String[] types = {"scheduler_step_v3", "request_event", "forward_pass", "kv_block_eviction", "scheduler_step_v3"};
    for (int i = 0; i < types.length; i++) {
      d.accept(rec(types[i], i));
    }
    assertThat(steps.got).containsExactly("scheduler_step_v3@0", "scheduler_step_v3@4");
    assertThat(events.got).containsExactly("request_event@1", "kv_block_eviction@3");
    assertThat(all.got).hasSize(types.length);
    assertThat(none.got).isEmpty();
  }
}
