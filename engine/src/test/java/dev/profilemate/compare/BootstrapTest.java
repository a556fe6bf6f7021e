package dev.profilemate.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The interval on samples whose true change is known by construction. */
class BootstrapTest {
  private static double[] lognormal(int n, double scale, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      double g = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
      v[i] = scale * Math.exp(0.5 * g);
    }
    return v;
  }

  @Test
  void quickselectAgreesWithSorting() {
    SplittableRandom r = new SplittableRandom(7);
    for (int n : new int[] {1, 2, 3, 10, 101, 1000}) {
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = Math.floor(r.nextDouble() * 50); // ties
      }
      for (double q : new double[] {0.5, 0.9, 0.99}) {
        assertThat(Stat.quantile(v.clone(), n, q)).as("n=%d q=%s", n, q).isEqualTo(Stat.sortedQuantile(v, q));
      }
    }
  }

  @Test
  void aKnownSlowdownIsFoundAndNamed() {
    double[] a = lognormal(4000, 100, 1);
    double[] b = lognormal(4000, 150, 2); // every quantile 1.5x
    Bootstrap bs = new Bootstrap(1000, 1);
    for (Stat s : new Stat[] {Stat.P50, Stat.P90, Stat.P99, Stat.MEAN}) {
      Bootstrap.Interval i = bs.change(s, a, 1, b, 1, 0);
      assertThat(i.significant()).as(s.name()).isTrue();
      assertThat(i.low()).as(s.name()).isLessThan(0.5);
      assertThat(i.high()).as(s.name()).isGreaterThan(0.5);
    }
  }

  @Test
  void twoDrawsOfOneDistributionShowNoClearChange() {
    double[] a = lognormal(3000, 100, 3);
    double[] b = lognormal(3000, 100, 4);
    Bootstrap bs = new Bootstrap(1000, 1);
    for (Stat s : new Stat[] {Stat.P50, Stat.P90, Stat.MEAN, Stat.RATE}) {
      Bootstrap.Interval i = bs.change(s, a, 10, b, 10, 0);
      assertThat(i.low()).as(s.name()).isLessThan(0);
      assertThat(i.high()).as(s.name()).isGreaterThan(0);
    }
  }

  @Test
  void aLargeSessionsIntervalIsAsWideAsTheDataAllowNotAsASubsamplesWouldBe() {
    int n = 200_000; // 10x the resample size: the spread is scaled back by sqrt(m/n)
    double[] a = lognormal(n, 100, 5);
    double[] b = lognormal(n, 102, 6);
    Bootstrap.Interval i = new Bootstrap(1000, 1).change(Stat.MEAN, a, 1, b, 1, 0);
    // the ratio of two means of n lognormals (sigma 0.5): sd of each mean / mean = sqrt(e^0.25 - 1)/sqrt(n)
    double se = Math.sqrt(2) * Math.sqrt(Math.exp(0.25) - 1) / Math.sqrt(n);
    assertThat((i.high() - i.low()) / 2).isCloseTo(1.96 * se, within(0.35 * 1.96 * se));
    assertThat(i.low()).isLessThan(0.02);
    assertThat(i.high()).isGreaterThan(0.02);
  }

  @Test
  void theSameSeedGivesTheSameInterval() {
    double[] a = lognormal(500, 100, 8);
    double[] b = lognormal(500, 110, 9);
    assertThat(new Bootstrap(500, 42).change(Stat.P90, a, 1, b, 1, 3))
        .isEqualTo(new Bootstrap(500, 42).change(Stat.P90, a, 1, b, 1, 3));
  }
}
