package dev.profilemate.report;

import java.util.Arrays;

/**
 * A growing column of doubles: one value while they are all the same (a column the file lacks
 * reads as NaN on every row), else a double[] trimmed to size once read.
 */
final class DoubleColumn {
  private int size;
  private double first;
  private double[] values;

  void add(double v) {
    if (size == 0) {
      first = v;
    } else if (values == null && Double.doubleToRawLongBits(v) != Double.doubleToRawLongBits(first)) {
      values = new double[Math.max(16, size + (size >> 1))];
      Arrays.fill(values, 0, size, first);
    }
    if (values != null) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size + (size >> 1));
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

  /** The values as one array of exactly {@link #size()} (shared: not to be changed). */
  double[] toArray() {
    trimmed();
    if (values == null) {
      double[] a = new double[size];
      Arrays.fill(a, first);
      return a;
    }
    return values;
  }

  DoubleColumn permuted(int[] order) {
    DoubleColumn c = new DoubleColumn();
    for (int k : order) {
      c.add(get(k));
    }
    return c.trimmed();
  }

  DoubleColumn trimmed() {
    if (values != null && values.length > size) {
      values = Arrays.copyOf(values, size);
    }
    return this;
  }
}
