package dev.profilemate.report;

/**
 * A column of numbers the exporter writes with a fixed number of decimals (percentages with 2,
 * milliseconds with 3, token counts with none), held as whole numbers of that unit in a {@link
 * WholeColumn}: a percentage then costs two bytes a row instead of eight. A value is kept so only
 * when it reads back bit for bit (m ÷ 10^scale, one correctly rounded division, is also what
 * parsing its text gave); the first one that does not (more decimals, NaN, -0) turns the column
 * into plain doubles, so any file reads exactly.
 */
final class DecimalColumn {
  private final int capacity;
  private final int scale;
  private final double unit;
  private WholeColumn mantissas;
  private DoubleColumn doubles;

  /** {@code scale}: the decimals the exporter writes (0 to 15). */
  DecimalColumn(int capacity, int scale) {
    this.capacity = capacity;
    this.scale = scale;
    this.unit = Math.pow(10, scale); // exact for 0..22
    this.mantissas = new WholeColumn(capacity);
  }

  void add(double v) {
    if (mantissas != null) {
      double scaled = v * unit;
      if (Math.abs(scaled) < 0x1p53) { // false for NaN and infinities too
        long m = Math.round(scaled);
        if (Double.doubleToRawLongBits(m / unit) == Double.doubleToRawLongBits(v)) {
          mantissas.add(m);
          return;
        }
      }
      doubles = new DoubleColumn(capacity);
      for (int i = 0; i < mantissas.size(); i++) {
        doubles.add(mantissas.get(i) / unit);
      }
      mantissas = null;
    }
    doubles.add(v);
  }

  int size() {
    return mantissas != null ? mantissas.size() : doubles.size();
  }

  double get(int i) {
    return mantissas != null ? mantissas.get(i) / unit : doubles.get(i);
  }

  DecimalColumn permuted(int[] order) {
    DecimalColumn c = new DecimalColumn(order.length, scale);
    for (int k : order) {
      c.add(get(k));
    }
    return c;
  }
}
