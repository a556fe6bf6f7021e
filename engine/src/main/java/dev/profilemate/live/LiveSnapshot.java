package dev.profilemate.live;

import java.util.List;

/**
 * What /metrics serves between two refreshes, immutable: the collector builds one after each
 * refresh and swaps it in whole, so a scrape (even during a spool rotation or a refresh) sees
 * one refresh's values, never a mix of two.
 *
 * @param series every series, in {@link LiveMetric} order, then by label values
 */
public record LiveSnapshot(List<Series> series) {
  public static final LiveSnapshot EMPTY = new LiveSnapshot(List.of());

  public LiveSnapshot {
    series = List.copyOf(series);
  }
}
