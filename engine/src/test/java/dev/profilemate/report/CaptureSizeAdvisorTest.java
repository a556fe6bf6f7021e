package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CaptureSizeAdvisorTest {

  private static SortedMap<Long, Long> observed(long... sizeCountPairs) {
    SortedMap<Long, Long> m = new TreeMap<>();
    for (int i = 0; i < sizeCountPairs.length; i += 2) {
      m.put(sizeCountPairs[i], sizeCountPairs[i + 1]);
    }
    return m;
  }

  @Test
  void evaluatePadsUpToTheNextSizeAndRunsLargerStepsEagerly() {
    CaptureSizeAdvisor.Outcome o = CaptureSizeAdvisor.evaluate(List.of(2L, 4L, 8L), observed(1, 10, 3, 5, 9, 2, 4, 1));
    assertThat(o.graphSteps()).isEqualTo(16);
    assertThat(o.paddingTokens()).isEqualTo(10 * 1 + 5 * 1); // 1→2, 3→4
    assertThat(o.eagerSteps()).isEqualTo(2);
    assertThat(o.eagerTokens()).isEqualTo(18);
    assertThat(o.sizesNeverUsed()).containsExactly(8L);
  }

  @Test
  void decodeHeavyTrafficGetsItsExactBatchSizes() {
    // 1..4 sequences decoding, the default sizes' powers of two pad 3 → 4
    CaptureSizeAdvisor.Plan p = CaptureSizeAdvisor.recommend(observed(1, 100, 2, 100, 3, 500, 4, 100), 4, 8);
    assertThat(p.sizes()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(p.outcome().paddingTokens()).isZero();
    CaptureSizeAdvisor.Plan two = CaptureSizeAdvisor.recommend(observed(1, 100, 2, 100, 3, 500, 4, 100), 2, 8);
    assertThat(two.sizes()).containsExactly(3L, 4L); // 1,2 → 3 costs 300; any other pair costs more
    assertThat(two.outcome().paddingTokens()).isEqualTo(2 * 100 + 100);
  }

  @Test
  void sizesAboveTheLargestAllowedStayEager() {
    CaptureSizeAdvisor.Plan p = CaptureSizeAdvisor.recommend(observed(2, 10, 600, 3), 3, 512);
    assertThat(p.sizes()).containsExactly(2L);
    assertThat(p.outcome().eagerSteps()).isEqualTo(3);
  }

  @Test
  void dynamicProgrammeMatchesBruteForceOnRandomTraffic() {
    SplittableRandom rnd = new SplittableRandom(20261129);
    for (int trial = 0; trial < 300; trial++) {
      SortedMap<Long, Long> obs = new TreeMap<>();
      int distinct = 1 + rnd.nextInt(9);
      for (int i = 0; i < distinct; i++) {
        obs.merge(1L + rnd.nextInt(40), 1L + rnd.nextInt(50), Long::sum);
      }
      int budget = 1 + rnd.nextInt(4);
      long largest = obs.lastKey() - (rnd.nextBoolean() ? 0 : rnd.nextInt((int) Math.max(1, obs.lastKey() / 2)));
      CaptureSizeAdvisor.Plan p = CaptureSizeAdvisor.recommend(obs, budget, largest);
      long best = bruteForce(obs, budget, largest);
      assertThat(p.outcome().paddingTokens()).as("trial %d %s k=%d L=%d", trial, obs, budget, largest)
          .isEqualTo(best);
      assertThat(p.sizes().size()).isLessThanOrEqualTo(budget);
      assertThat(p.sizes()).allMatch(s -> s <= largest).isSorted();
      long eagerExpected = obs.entrySet().stream().filter(e -> e.getKey() > largest).mapToLong(e -> e.getValue())
          .sum();
      assertThat(p.outcome().eagerSteps()).isEqualTo(eagerExpected);
    }
  }

  /** Least padding over every subset of at most k observed sizes that covers all sizes ≤ largest. */
  private static long bruteForce(SortedMap<Long, Long> obs, int k, long largest) {
    List<Long> cand = new ArrayList<>(obs.keySet().stream().filter(v -> v <= largest).toList());
    if (cand.isEmpty()) {
      return 0;
    }
    long best = Long.MAX_VALUE;
    for (int mask = 1; mask < 1 << cand.size(); mask++) {
      if (Integer.bitCount(mask) > k || (mask & 1 << (cand.size() - 1)) == 0) {
        continue;
      }
      List<Long> sizes = new ArrayList<>();
      for (int i = 0; i < cand.size(); i++) {
        if ((mask & 1 << i) != 0) {
          sizes.add(cand.get(i));
        }
      }
      best = Math.min(best, CaptureSizeAdvisor.evaluate(sizes, obs).paddingTokens());
    }
    return best;
  }
}
