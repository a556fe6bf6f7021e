package dev.profilemate.compare;

import java.util.Arrays;

/** How a metric sums up its samples. */
enum Stat {
  P50, P90, P99, MEAN,
  /** sum of the samples per second of the session's span (tokens/s). */
  RATE,
  /** samples per second of the session's span (requests/s). */
  COUNT_RATE;

  /** The statistic of values[0, n), which it may reorder. */
  double of(double[] values, int n, double spanSec) {
    if (n == 0) {
      return Double.NaN;
    }
    return switch (this) {
      case P50 -> quantile(values, n, 0.50);
      case P90 -> quantile(values, n, 0.90);
      case P99 -> quantile(values, n, 0.99);
      case MEAN -> sum(values, n) / n;
      case RATE -> sum(values, n) / spanSec;
      case COUNT_RATE -> n / spanSec;
    };
  }

  private static double sum(double[] v, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += v[i];
    }
    return s;
  }

  /** Nearest rank: the smallest value with at least q of the values at or below it. */
  static double quantile(double[] v, int n, double q) {
    int k = Math.max(0, (int) Math.ceil(q * n) - 1);
    return select(v, 0, n - 1, k);
  }

  /** The k-th smallest of v[lo..hi] (quickselect, median of three): O(n), where sorting each resample would be O(n log n). */
  private static double select(double[] v, int lo, int hi, int k) {
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      double pivot = median(v[lo], v[mid], v[hi]);
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (v[i] < pivot) {
          i++;
        }
        while (v[j] > pivot) {
          j--;
        }
        if (i <= j) {
          double t = v[i];
          v[i] = v[j];
          v[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return v[k];
      }
    }
    return v[k];
  }

  private static double median(double a, double b, double c) {
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }

  /** For tests: the same quantile from a sorted copy. */
  static double sortedQuantile(double[] values, double q) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s[Math.max(0, (int) Math.ceil(q * s.length) - 1)];
  }
}
