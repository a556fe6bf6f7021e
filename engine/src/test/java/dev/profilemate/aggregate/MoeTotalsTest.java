package dev.profilemate.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.session.ParallelIdentity;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which processes' MoE counts a model-wide total takes (issue 25): one TP rank per DP rank, unless vLLM split the tokens. */
class MoeTotalsTest {
  private static ParallelIdentity rank(int dp, int tp, boolean sequenceParallel) {
    return new ParallelIdentity("n", dp * 2 + tp, 4, tp, dp, 2, 0, 1, tp, 2, dp * 2 + tp, 4, 0, 1, 0, 1, true, false,
        sequenceParallel, "initialize_model_parallel");
  }

  private static Map<Long, long[]> counts(long[]... perProcess) {
    Map<Long, long[]> m = new HashMap<>();
    for (int p = 0; p < perProcess.length; p++) {
      m.put(MoeTotals.key(p, 3), perProcess[p]);
    }
    return m;
  }

  @Test
  void tensorParallelRanksThatAgreeCountOnceAndDataParallelRanksAddUp() {
    ParallelIdentity[] ids = {rank(0, 0, false), rank(0, 1, false), rank(1, 1, false), rank(1, 0, false)};
    MoeTotals t = MoeTotals.of(counts(new long[] {4, 2}, new long[] {4, 2}, new long[] {1, 1}, new long[] {1, 1}),
        p -> ids[p]);
    assertThat(t.counted(0, 3)).isTrue();
    assertThat(t.counted(1, 3)).isFalse();
    assertThat(t.counted(2, 3)).isFalse(); // DP rank 1's TP rank 1: the lowest TP rank (process 3) counts
    assertThat(t.counted(3, 3)).isTrue();
    assertThat(t.warnings()).isEmpty();
  }

  @Test
  void underSequenceParallelMoeRanksThatDifferEachRoutedTheirShare() {
    ParallelIdentity[] split = {rank(0, 0, true), rank(0, 1, true)};
    MoeTotals differ = MoeTotals.of(counts(new long[] {3, 1}, new long[] {1, 3}), p -> split[p]);
    assertThat(differ.counted(0, 3)).isTrue();
    assertThat(differ.counted(1, 3)).isTrue();
    assertThat(differ.warnings()).isEmpty();
    // a model that does not split its tokens under the same config: the ranks agree, one counts
    MoeTotals same = MoeTotals.of(counts(new long[] {3, 1}, new long[] {3, 1}), p -> split[p]);
    assertThat(same.counted(1, 3)).isFalse();
  }

  @Test
  void replicatedRanksThatDisagreeAreWarnedOfAndTheLowestCounts() {
    ParallelIdentity[] ids = {rank(0, 1, false), rank(0, 0, false)};
    MoeTotals t = MoeTotals.of(counts(new long[] {5, 5}, new long[] {5, 4}), p -> ids[p]);
    assertThat(t.counted(1, 3)).isTrue();
    assertThat(t.counted(0, 3)).isFalse();
    assertThat(t.warnings()).singleElement().asString()
        .contains("dp0 pcp0 pp0").contains("layer 3: tp0 9, tp1 10");
  }

  @Test
  void processesWithoutAnIdentityEachCount() {
    MoeTotals t = MoeTotals.of(counts(new long[] {1}, new long[] {1}), p -> null);
    assertThat(t.counted(0, 3)).isTrue();
    assertThat(t.counted(1, 3)).isTrue();
  }
}
