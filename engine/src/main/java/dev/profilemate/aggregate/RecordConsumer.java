package dev.profilemate.aggregate;

import dev.profilemate.spool.SpoolRecord;

/** One aggregator: fed the merged timeline in order, then finished once. */
public interface RecordConsumer {
  void accept(SpoolRecord r);

  default void finish() {}
}
