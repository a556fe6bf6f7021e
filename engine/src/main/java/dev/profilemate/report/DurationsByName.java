package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Durations summed and spread per name, streamed from a file of timed calls
 * (cpu_operations_timing.csv by operation, encoder_decoder_timing.csv by component): a long
 * session has tens of millions of such rows, and the report shows only each name's summary.
 */
final class DurationsByName {
  private DurationsByName() {}

  static final SortedMap<String, Distribution.Summary> NONE = Collections.emptySortedMap();

  /** Streams one file: {@code name} and {@code durationMs} are its columns. */
  static final class Reader implements CsvRows.Sink {
    private final int name;
    private final int duration;
    private final Map<String, Distribution> byName = new TreeMap<>();

    Reader(CsvRows.Header h, String nameColumn, String durationColumn) {
      name = h.index(nameColumn);
      duration = h.index(durationColumn);
    }

    @Override
    public void row(CsvRows.Row r) {
      byName.computeIfAbsent(r.label(name), k -> new Distribution()).add(r.number(duration));
    }

    /** Each name's summary, by name. */
    SortedMap<String, Distribution.Summary> summaries() {
      SortedMap<String, Distribution.Summary> out = new TreeMap<>();
      byName.forEach((k, d) -> out.put(k, d.summary()));
      return Collections.unmodifiableSortedMap(out);
    }
  }
}
