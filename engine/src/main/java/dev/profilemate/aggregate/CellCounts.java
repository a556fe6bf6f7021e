package dev.profilemate.aggregate;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts per cell (a, b) (an expert pair, an expert's weight bin) summed over a session, listed in
 * (a, b) order. Spool minor 4 sends every window's cells as arrays, thousands per record: the
 * usual cells (a ≥ 0, 0 ≤ b &lt; the first record's width) add into a dense array, others into a
 * sorted map, so a long MoE session does not box a map entry per cell per window (issue 23).
 * A cell once added is listed even when its sum is 0, as before: a bit per dense cell says which
 * were, in a long[] grown with the array (a BitSet checked and grew itself on every cell).
 */
final class CellCounts implements java.io.Serializable {
  /** Rows the dense array grows to at most (2^16 experts): cells beyond go to the map. */
  private static final int MAX_ROWS = 1 << 16;

  private int width = -1;
  private long[] dense = new long[0];
  /** Bit i: dense cell i was added to; as long as dense, in 64-cell words. */
  private long[] present = new long[0];
  private final TreeMap<Long, Long> sparse = new TreeMap<>();

  /** Cells beyond this many in the dense array (32 MiB a layer) go to the map. */
  private static final int MAX_DENSE = 1 << 22;

  /** A cell of an array record whose rows are rowWidth wide; the first such record fixes the dense layout. */
  void add(long a, long b, long count, int rowWidth) {
    if (width < 0) {
      width = Math.max(1, rowWidth);
    }
    if (a >= 0 && a < MAX_ROWS && b >= 0 && b < width && a * width + b < MAX_DENSE) {
      int i = (int) a * width + (int) b;
      if (i >= dense.length) {
        grow(i);
      }
      dense[i] += count;
      present[i >>> 6] |= 1L << i;
    } else {
      addSparse(a, b, count);
    }
  }

  /**
   * Cells keys[n] = a * rowWidth + b with counts[n], as {@link #add} one by one. Where the dense
   * layout has this width a key is its own index (a long MoE session adds thousands of cells
   * per record: no division per cell, issue 23).
   */
  void addAll(int[] keys, long[] counts, int rowWidth) {
    int n = Math.min(keys.length, counts.length);
    int w = Math.max(1, rowWidth);
    if (width < 0) {
      width = w;
    }
    // a key below this maps into the dense array as it is: a = k / w < MAX_ROWS, k < MAX_DENSE
    long direct = w == width ? Math.min(MAX_DENSE, (long) MAX_ROWS * w) : 0;
    for (int i = 0; i < n; i++) {
      int k = keys[i];
      if (k >= 0 && k < direct) {
        if (k >= dense.length) {
          grow(k);
        }
        dense[k] += counts[i];
        present[k >>> 6] |= 1L << k;
      } else {
        add(k / w, k % w, counts[i], w);
      }
    }
  }

  /** Room in the dense array (and its bits) for cell i &lt; MAX_DENSE. */
  private void grow(int i) {
    dense = Arrays.copyOf(dense, (int) Math.min(MAX_DENSE, Math.max(i + 1L, dense.length * 2L)));
    present = Arrays.copyOf(present, (dense.length + 63) >>> 6);
  }

  /** A cell of an older probe's text encoding (rare): the map. */
  void addSparse(long a, long b, long count) {
    sparse.merge(key(a, b), count, Long::sum);
  }

  static long key(long a, long b) {
    return (a << 32) | (b & 0xFFFFFFFFL);
  }

  boolean isEmpty() {
    for (long w : present) {
      if (w != 0) {
        return false;
      }
    }
    return sparse.isEmpty();
  }

  /** Each cell as (key(a, b), sum), in key order (signed, as the map sorted them before). */
  void forEach(java.util.function.ObjLongConsumer<Long> out) {
    Iterator<Map.Entry<Long, Long>> s = sparse.entrySet().iterator();
    Map.Entry<Long, Long> next = s.hasNext() ? s.next() : null;
    for (int word = 0; word < present.length; word++) {
      for (long bits = present[word]; bits != 0; bits &= bits - 1) {
        int i = (word << 6) + Long.numberOfTrailingZeros(bits);
        next = cell(i, next, s, out);
      }
    }
    while (next != null) {
      out.accept(next.getKey(), next.getValue());
      next = s.hasNext() ? s.next() : null;
    }
  }

  /** Dense cell i, after the map's cells before it (and with the map's sum of the same cell); returns the map's next. */
  private Map.Entry<Long, Long> cell(int i, Map.Entry<Long, Long> next, Iterator<Map.Entry<Long, Long>> s,
      java.util.function.ObjLongConsumer<Long> out) {
    long k = key(i / width, i % width);
    while (next != null && next.getKey() < k) {
      out.accept(next.getKey(), next.getValue());
      next = s.hasNext() ? s.next() : null;
    }
    long sum = dense[i];
    if (next != null && next.getKey() == k) { // the same cell from an older probe's text as well
      sum += next.getValue();
      next = s.hasNext() ? s.next() : null;
    }
    out.accept(k, sum);
    return next;
  }
}
