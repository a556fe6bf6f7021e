package dev.profilemate.report;

import dev.profilemate.common.CsvRows;

/**
 * moe_routing_weights_hist.csv streamed into tenths: the report draws the sampled router weights
 * in bins [0, 0.1), … [0.9, 1] (out-of-range weights in the end bins) when the full histogram was
 * not recorded. {@code tenths[i]} counts the weights of bin i; NaN weights are skipped.
 */
record WeightSamples(long[] tenths) {
  static final WeightSamples NONE = new WeightSamples(new long[10]);

  boolean isEmpty() {
    for (long n : tenths) {
      if (n > 0) {
        return false;
      }
    }
    return true;
  }

  static final class Reader implements CsvRows.Sink {
    private final int weight;
    private final long[] tenths = new long[10];

    Reader(CsvRows.Header h) {
      weight = h.index("weight");
    }

    @Override
    public void row(CsvRows.Row r) {
      double w = r.number(weight);
      if (!Double.isNaN(w)) {
        tenths[(int) Math.min(9, Math.max(0, Math.floor(w * 10)))]++;
      }
    }

    WeightSamples samples() {
      return new WeightSamples(tenths.clone());
    }
  }
}
