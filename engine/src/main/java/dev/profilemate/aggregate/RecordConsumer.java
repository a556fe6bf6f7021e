package dev.profilemate.aggregate;

import dev.profilemate.spool.SpoolRecord;

/** One aggregator: fed the merged timeline in order, then finished once. */
public interface RecordConsumer {
  void accept(SpoolRecord r);

  default void finish() {}

  /**
   * Whether accept() does anything with records of this type: asked once per type, and records
   * of a type nobody wants are not handed out (every record went to every consumer, issue 23).
   * Only true where accept() may use the record; the default takes everything.
   */
  default boolean wants(String recordName) {
    return true;
  }

  /** The given consumers fed in turn, nulls left out; null when none is left. */
  static RecordConsumer all(RecordConsumer... consumers) {
    java.util.List<RecordConsumer> list =
        java.util.Arrays.stream(consumers).filter(java.util.Objects::nonNull).toList();
    if (list.size() <= 1) {
      return list.isEmpty() ? null : list.get(0);
    }
    return new RecordConsumer() {
      @Override
      public void accept(SpoolRecord r) {
        for (RecordConsumer c : list) {
          c.accept(r);
        }
      }

      @Override
      public void finish() {
        list.forEach(RecordConsumer::finish);
      }
    };
  }
}
