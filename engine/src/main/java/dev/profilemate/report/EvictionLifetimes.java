package dev.profilemate.report;

import dev.profilemate.common.CsvRows;

/**
 * kv_cache_evictions.csv streamed: how many blocks were evicted and how long they had held their
 * content. It is the longest file of a session (a row per evicted block), and the report shows
 * only the count and the lifetimes' spread.
 */
final class EvictionLifetimes {
  private EvictionLifetimes() {}

  static final class Reader implements CsvRows.Sink {
    private final int lifetime;
    private final Distribution lifetimes = new Distribution();
    private long count;

    Reader(CsvRows.Header h) {
      lifetime = h.index("lifetime_sec");
    }

    @Override
    public void row(CsvRows.Row r) {
      count++;
      lifetimes.add(r.number(lifetime));
    }

    long count() {
      return count;
    }

    Distribution.Summary lifetimeSec() {
      return lifetimes.summary();
    }
  }
}
