package dev.profilemate.aggregate;

import dev.profilemate.spool.RecordType;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hands each record only to the consumers that want its type ({@link RecordConsumer#wants}),
 * in the consumers' order: a table by type id, filled in as types are first seen. The order of
 * records each consumer sees is unchanged; only records it would ignore are left out.
 */
public final class RecordDispatch {
  private final List<RecordConsumer> consumers;
  private RecordConsumer[][] byType = new RecordConsumer[64][];

  public RecordDispatch(List<RecordConsumer> consumers) {
    this.consumers = List.copyOf(consumers);
  }

  public void accept(SpoolRecord r) {
    int id = r.type().id();
    RecordConsumer[] to = id >= 0 && id < byType.length ? byType[id] : null;
    if (to == null) {
      to = resolve(r.type());
    }
    for (RecordConsumer c : to) {
      c.accept(r);
    }
  }

  private RecordConsumer[] resolve(RecordType type) {
    List<RecordConsumer> to = new ArrayList<>();
    for (RecordConsumer c : consumers) {
      if (c.wants(type.name())) {
        to.add(c);
      }
    }
    RecordConsumer[] a = to.toArray(RecordConsumer[]::new);
    int id = type.id();
    if (id >= 0 && id < 1 << 16) {
      if (id >= byType.length) {
        byType = Arrays.copyOf(byType, id + 1);
      }
      byType[id] = a;
    }
    return a;
  }
}
