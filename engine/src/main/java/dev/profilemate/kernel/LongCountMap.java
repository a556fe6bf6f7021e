package dev.profilemate.kernel;

import java.util.Arrays;

/**
 * Open-addressing map from a long value to a count, with no boxing. Used as an exact sparse
 * histogram of durations: GPU timestamps are quantised, so a kernel name has few distinct
 * durations and memory grows with those, not with the number of rows.
 */
final class LongCountMap {
  private static final long EMPTY = Long.MIN_VALUE;
  private long[] keys;
  private long[] counts;
  private int size;

  LongCountMap() {
    keys = new long[8];
    counts = new long[8];
    Arrays.fill(keys, EMPTY);
  }

  void add(long key, long count) {
    if (key == EMPTY) {
      throw new IllegalArgumentException("value out of range");
    }
    int mask = keys.length - 1;
    int i = mix(key) & mask;
    while (true) {
      long k = keys[i];
      if (k == key) {
        counts[i] += count;
        return;
      }
      if (k == EMPTY) {
        keys[i] = key;
        counts[i] = count;
        if (++size * 2 > keys.length) {
          grow();
        }
        return;
      }
      i = (i + 1) & mask;
    }
  }

  int size() {
    return size;
  }

  /** The distinct keys in ascending order, with their counts in {@code countsOut}. */
  long[] sortedKeys(long[][] countsOut) {
    long[] k = new long[size];
    int n = 0;
    for (long key : keys) {
      if (key != EMPTY) {
        k[n++] = key;
      }
    }
    Arrays.sort(k);
    long[] c = new long[size];
    for (int j = 0; j < size; j++) {
      c[j] = get(k[j]);
    }
    countsOut[0] = c;
    return k;
  }

  long get(long key) {
    int mask = keys.length - 1;
    int i = mix(key) & mask;
    while (true) {
      long k = keys[i];
      if (k == key) {
        return counts[i];
      }
      if (k == EMPTY) {
        return 0;
      }
      i = (i + 1) & mask;
    }
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldCounts = counts;
    keys = new long[oldKeys.length * 2];
    counts = new long[oldKeys.length * 2];
    Arrays.fill(keys, EMPTY);
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        add(oldKeys[i], oldCounts[i]);
      }
    }
  }

  private static int mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }
}
