package dev.profilemate.report;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Files are written in time order; a file that is not (another writer) is put in time order
 * here, stably, as a sort of its rows by {@link Double#compare} would, so joins by time hold.
 */
final class TimeOrder {
  private TimeOrder() {}

  /** The rows in time order (order[k] is the row that goes to k), or null when they already are. */
  static int[] of(DoubleColumn time) {
    int n = time.size();
    boolean sorted = true;
    for (int i = 1; i < n && sorted; i++) {
      sorted = Double.compare(time.get(i - 1), time.get(i)) <= 0;
    }
    if (sorted) {
      return null;
    }
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, Comparator.comparingDouble(time::get)); // stable
    return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
  }
}
