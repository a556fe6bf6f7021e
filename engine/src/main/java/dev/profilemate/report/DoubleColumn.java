package dev.profilemate.report;

import java.util.Arrays;

/**
 * A column of doubles sized once: one value while they are all the same (a column the file lacks
 * reads as NaN on every row), else one array of the capacity given, the file's line count (an
 * upper bound of its rows). One array allocated once, not one regrown by copying: the columns of a
 * long session are tens of MB each, and each regrowth left a dead copy and grew the heap.
 */
final class DoubleColumn {
  private final int capacity;
  private int size;
  private double first;
  /** null while every value equals {@code first}. */
  private double[] values;

  DoubleColumn(int capacity) {
    this.capacity = capacity;
  }

  void add(double v) {
    if (size == 0) {
      first = v;
    } else if (values == null && Double.doubleToRawLongBits(v) != Double.doubleToRawLongBits(first)) {
      values = new double[Math.max(capacity, size + 1)];
      Arrays.fill(values, 0, size, first);
    }
    if (values != null) {
      if (size == values.length) { // more rows than announced: grow (not when the capacity is the line count)
        values = Arrays.copyOf(values, size + (size >> 1) + 16);
      }
      values[size] = v;
    }
    size++;
  }

  int size() {
    return size;
  }

  double get(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(i);
    }
    return values == null ? first : values[i];
  }

  /** The values as one array of exactly {@link #size()}: the column's own when it fits exactly. */
  double[] toArray() {
    if (values == null) {
      double[] a = new double[size];
      Arrays.fill(a, first);
      return a;
    }
    return values.length == size ? values : Arrays.copyOf(values, size);
  }

  DoubleColumn permuted(int[] order) {
    DoubleColumn c = new DoubleColumn(order.length);
    for (int k : order) {
      c.add(get(k));
    }
    return c;
  }
}
