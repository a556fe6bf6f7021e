package dev.profilemate.report;

import java.util.Arrays;

/**
 * A growing column of whole numbers held as narrowly as its values allow: one value while they are
 * all the same (max_num_seqs, total_blocks), else bytes, shorts, ints, and longs only once a value
 * needs them. Queue lengths and batch sizes of a long session then cost a byte or two a row.
 */
final class WholeColumn {
  private int size;
  private long first;
  /** null while every value equals {@code first}; else a byte[], short[], int[] or long[]. */
  private Object values;
  private int capacity;

  void add(long v) {
    if (size == 0) {
      first = v;
    } else if (values == null && v != first) {
      values = new byte[0];
      capacity = 0;
      widenFor(first);
      fill(first);
    }
    if (values != null) {
      widenFor(v);
      if (size == capacity) {
        grow();
      }
      set(size, v);
    }
    size++;
  }

  int size() {
    return size;
  }

  long get(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(i);
    }
    return switch (values) {
      case null -> first;
      case byte[] b -> b[i];
      case short[] s -> s[i];
      case int[] n -> n[i];
      case long[] l -> l[i];
      default -> throw new IllegalStateException();
    };
  }

  long max() {
    long m = Long.MIN_VALUE;
    for (int i = 0; i < size; i++) {
      m = Math.max(m, get(i));
    }
    return m;
  }

  /** The same values in the order given (order[k] is the row that goes to k). */
  WholeColumn permuted(int[] order) {
    WholeColumn c = new WholeColumn();
    for (int k : order) {
      c.add(get(k));
    }
    return c.trimmed();
  }

  /** Drops the room kept for growth. */
  WholeColumn trimmed() {
    if (values != null && capacity > size) {
      values = switch (values) {
        case byte[] b -> Arrays.copyOf(b, size);
        case short[] s -> Arrays.copyOf(s, size);
        case int[] n -> Arrays.copyOf(n, size);
        case long[] l -> Arrays.copyOf(l, size);
        default -> throw new IllegalStateException();
      };
      capacity = size;
    }
    return this;
  }

  /** Copies the values so far into an array wide enough for {@code v}. */
  private void widenFor(long v) {
    int need = v == (byte) v ? 1 : v == (short) v ? 2 : v == (int) v ? 4 : 8;
    int have = switch (values) {
      case byte[] b -> 1;
      case short[] s -> 2;
      case int[] n -> 4;
      default -> 8;
    };
    if (need <= have) {
      return;
    }
    int cap = Math.max(capacity, 16);
    Object wider = switch (need) {
      case 2 -> new short[cap];
      case 4 -> new int[cap];
      default -> new long[cap];
    };
    Object old = values;
    int n = Math.min(size, capacity);
    values = wider;
    capacity = cap;
    for (int i = 0; i < n; i++) {
      set(i, switch (old) {
        case byte[] b -> b[i];
        case short[] s -> s[i];
        case int[] x -> x[i];
        case long[] l -> l[i];
        default -> throw new IllegalStateException();
      });
    }
  }

  /** The rows so far all held {@code v}: write them out. */
  private void fill(long v) {
    while (capacity < size) {
      grow();
    }
    for (int i = 0; i < size; i++) {
      set(i, v);
    }
  }

  private void grow() {
    int cap = Math.max(16, capacity + (capacity >> 1));
    values = switch (values) {
      case byte[] b -> Arrays.copyOf(b, cap);
      case short[] s -> Arrays.copyOf(s, cap);
      case int[] n -> Arrays.copyOf(n, cap);
      case long[] l -> Arrays.copyOf(l, cap);
      default -> throw new IllegalStateException();
    };
    capacity = cap;
  }

  private void set(int i, long v) {
    switch (values) {
      case byte[] b -> b[i] = (byte) v;
      case short[] s -> s[i] = (short) v;
      case int[] n -> n[i] = (int) v;
      case long[] l -> l[i] = v;
      default -> throw new IllegalStateException();
    }
  }
}
