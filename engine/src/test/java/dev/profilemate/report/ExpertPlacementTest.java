package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** vLLM's placements and EPLB's packing on loads small enough to work by hand (test_expert_parallel.py checks them against vLLM's own code). */
class ExpertPlacementTest {
  private static final long[] HOT_FIRST = {10, 1, 1, 1};

  @Test
  void linearAndRoundRobinPlaceAsVllmDoes() {
    assertThat(ExpertPlacement.configured(HOT_FIRST, 2, "linear")).containsExactly(11, 2);
    assertThat(ExpertPlacement.configured(new long[] {10, 1, 1, 1, 5}, 2, "linear")).containsExactly(12, 6); // 3 experts + 2
    assertThat(ExpertPlacement.configured(new long[] {10, 1, 1, 1, 5}, 2, "round_robin")).containsExactly(16, 2);
  }

  @Test
  void packingIsHeaviestFirstOntoTheLightestRankWithRoom() {
    assertThat(ExpertPlacement.eplb(HOT_FIRST, 2, 4)).containsExactly(11, 2); // 10 alone cannot be split
    // two replicas of the hot expert: slots 10/3 x 3 and 1 x 3, three per rank
    double[] loads = ExpertPlacement.eplb(HOT_FIRST, 2, 6);
    assertThat(loads[0]).isCloseTo(10.0 * 2 / 3 + 1, within(1e-9));
    assertThat(loads[1]).isCloseTo(10.0 / 3 + 2, within(1e-9));
    assertThat(ExpertPlacement.eplb(HOT_FIRST, 2, 5)).isNull(); // 5 slots do not divide over 2 ranks
    assertThat(ExpertPlacement.eplb(HOT_FIRST, 4, 4)).containsExactly(10, 1, 1, 1); // one per rank: kept
  }
}
