package dev.profilemate.report;

import java.util.Arrays;

/**
 * A column of whole numbers sized once and held as narrowly as its values allow: one value while
 * they are all the same (max_num_seqs, total_blocks), else one array of the capacity given (the
 * file's line count) of bytes, shorts, ints, or longs only once a value needs them. Queue lengths
 * and batch sizes of a long session then cost a byte or two a row.
 */
final class WholeColumn {
  private final int capacity;
  private int size;
  private long first;
  /** null while every value equals {@code first}; else a byte[], short[], int[] or long[]. */
  private Object values;

  WholeColumn(int capacity) {
    this.capacity = capacity;
  }

  void add(long v) {
    if (size == 0) {
      first = v;
    } else if (values == null && v != first) {
      values = new byte[Math.max(capacity, size + 1)];
      widenFor(first);
      for (int i = 0; i < size; i++) {
        set(i, first);
      }
    }
    if (values != null) {
      widenFor(v);
      if (size == length()) { // more rows than announced: grow
        values = copyOf(values, size + (size >> 1) + 16);
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

  /** The same values in the order given (order[k] is the row that goes to k). */
  WholeColumn permuted(int[] order) {
    WholeColumn c = new WholeColumn(order.length);
    for (int k : order) {
      c.add(get(k));
    }
    return c;
  }

  private int length() {
    return switch (values) {
      case byte[] b -> b.length;
      case short[] s -> s.length;
      case int[] n -> n.length;
      case long[] l -> l.length;
      default -> throw new IllegalStateException();
    };
  }

  /** Copies the values so far into an array wide enough for {@code v}, when the one held is not. */
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
    Object old = values;
    int n = length();
    values = switch (need) {
      case 2 -> new short[n];
      case 4 -> new int[n];
      default -> new long[n];
    };
    for (int i = 0; i < size; i++) {
      set(i, switch (old) {
        case byte[] b -> b[i];
        case short[] s -> s[i];
        case int[] x -> x[i];
        case long[] l -> l[i];
        default -> throw new IllegalStateException();
      });
    }
  }

  private static Object copyOf(Object a, int n) {
    return switch (a) {
      case byte[] b -> Arrays.copyOf(b, n);
      case short[] s -> Arrays.copyOf(s, n);
      case int[] x -> Arrays.copyOf(x, n);
      case long[] l -> Arrays.copyOf(l, n);
      default -> throw new IllegalStateException();
    };
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
