package dev.profilemate.compare;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The change of a metric from session A to B with a bootstrap 95 % interval: each session's
 * samples are resampled with replacement, the statistic taken on each resample, and the interval
 * read from the 2.5th and 97.5th percentiles of B's over A's. A session of millions of steps is
 * resampled m = {@link #MAX_RESAMPLE} at a time and the spread scaled by sqrt(m/n) (the m-out-of-n
 * bootstrap for smooth statistics such as means and quantiles), so an interval costs the same on
 * any size. Request throughput's spread is the count's (Poisson: sqrt(n)), which resampling
 * requests cannot show. Seeded: the same sessions give the same interval.
 */
final class Bootstrap {
  static final int RESAMPLES = 1000;
  static final int MAX_RESAMPLE = 20_000;

  private final int resamples;

  int resamples() {
    return resamples;
  }
  private final long seed;

  Bootstrap(int resamples, long seed) {
    this.resamples = resamples;
    this.seed = seed;
  }

  /**
   * @param change B's statistic over A's, minus 1 (NaN where either has no samples)
   * @param low the interval's lower end, as change
   */
  record Interval(double a, double b, double change, double low, double high, int na, int nb) {
    /** The interval leaves out "no change". */
    boolean significant() {
      return low > 0 || high < 0;
    }
  }

  Interval change(Stat stat, double[] a, double spanA, double[] b, double spanB, int salt) {
    double ta = stat.of(a.clone(), a.length, spanA);
    double tb = stat.of(b.clone(), b.length, spanB);
    if (!Double.isFinite(ta) || !Double.isFinite(tb) || ta == 0) {
      return new Interval(ta, tb, Double.NaN, Double.NaN, Double.NaN, a.length, b.length);
    }
    SplittableRandom rnd = new SplittableRandom(seed * 31 + salt);
    double[] ra = new double[Math.min(a.length, MAX_RESAMPLE)];
    double[] rb = new double[Math.min(b.length, MAX_RESAMPLE)];
    double[] ratios = new double[resamples];
    for (int i = 0; i < resamples; i++) {
      double sa = resampled(stat, a, spanA, ta, ra, rnd);
      double sb = resampled(stat, b, spanB, tb, rb, rnd);
      ratios[i] = sb / sa - 1;
    }
    Arrays.sort(ratios);
    return new Interval(ta, tb, tb / ta - 1, ratios[(int) Math.floor(0.025 * (resamples - 1))],
        ratios[(int) Math.ceil(0.975 * (resamples - 1))], a.length, b.length);
  }

  /** One bootstrap value of the statistic, its spread scaled from m back to n values. */
  private static double resampled(Stat stat, double[] v, double span, double full, double[] buf, SplittableRandom rnd) {
    int n = v.length;
    if (stat == Stat.COUNT_RATE) {
      return (n + Math.sqrt(n) * gaussian(rnd)) / span;
    }
    int m = buf.length;
    for (int i = 0; i < m; i++) {
      buf[i] = v[rnd.nextInt(n)];
    }
    double s = stat == Stat.RATE ? Stat.MEAN.of(buf, m, span) * n / span : stat.of(buf, m, span);
    return full + (s - full) * Math.sqrt((double) m / n);
  }

  private static double gaussian(SplittableRandom rnd) {
    double u = rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }
}
