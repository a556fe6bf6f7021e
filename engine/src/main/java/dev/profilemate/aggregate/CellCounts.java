package dev.profilemate.aggregate;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts per cell (a, b) (an expert pair, an expert's weight bin) summed over a session, listed in
 * (a, b) order. Spool minor 4 sends every window's cells as arrays, thousands per record: the
 * usual cells (a ≥ 0, 0 ≤ b &lt; the first record's width) add into a dense array, others into a
 * sorted map, so a long MoE session does not box a map entry per cell per window (issue 23).
 * A cell once added is listed even when its sum is 0, as before.
 */
final class CellCounts implements java.io.Serializable {
  /** Rows the dense array grows to at most (2^16 experts): cells beyond go to the map. */
  private static final int MAX_ROWS = 1 << 16;

  private int width = -1;
  private long[] dense = new long[0];
  private final BitSet present = new BitSet();
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
        dense = Arrays.copyOf(dense, (int) Math.min(MAX_DENSE, Math.max(i + 1L, dense.length * 2L)));
      }
      dense[i] += count;
      present.set(i);
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
          dense = Arrays.copyOf(dense, (int) Math.min(MAX_DENSE, Math.max(k + 1L, dense.length * 2L)));
        }
        dense[k] += counts[i];
        present.set(k);
      } else {
        add(k / w, k % w, counts[i], w);
      }
    }
  }

  /** A cell of an older probe's text encoding (rare): the map. */
  void addSparse(long a, long b, long count) {
    sparse.merge(key(a, b), count, Long::sum);
  }

  static long key(long a, long b) {
    return (a << 32) | (b & 0xFFFFFFFFL);
  }

  boolean isEmpty() {
    return present.isEmpty() && sparse.isEmpty();
  }

  /** Each cell as (key(a, b), sum), in key order (signed, as the map sorted them before). */
  void forEach(java.util.function.ObjLongConsumer<Long> out) {
    Iterator<Map.Entry<Long, Long>> s = sparse.entrySet().iterator();
    Map.Entry<Long, Long> next = s.hasNext() ? s.next() : null;
    for (int i = present.nextSetBit(0); i >= 0; i = present.nextSetBit(i + 1)) {
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
    }
    while (next != null) {
      out.accept(next.getKey(), next.getValue());
      next = s.hasNext() ? s.next() : null;
    }
  }
}
