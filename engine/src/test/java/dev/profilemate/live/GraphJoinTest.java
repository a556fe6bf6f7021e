package dev.profilemate.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.aggregate.CudaGraphs;
import dev.profilemate.aggregate.ForwardPasses;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphJoinTest {
  private static ForwardPasses.Pass pass(double t, double ms, int tokens) {
    return new ForwardPasses.Pass(t, "decode", tokens, tokens, ms, 0, 0);
  }

  private static CudaGraphs.Replay replay(double t, int padded) {
    return new CudaGraphs.Replay(t, new CudaGraphs.Descriptor("FULL", padded, padded, true, false), 1, 0);
  }

  private static Map<List<String>, Object> values(GraphJoin j) {
    j.finish();
    Map<List<String>, Object> out = new HashMap<>();
    j.values(out::put);
    return out;
  }

  @Test
  void theProbesOrderReplayThenItsStepPairsEachReplayWithItsOwnStep() {
    // as the probe writes them: the replay when the graph returns, the step (with its start) when it ends
    GraphJoin j = new GraphJoin();
    j.pass(pass(1.000, 5, 300));          // eager: no replay inside it
    j.replay(replay(1.0102, 8));
    j.pass(pass(1.010, 5, 6));            // the 8-token graph ran 6 tokens
    j.replay(replay(1.0201, 8));
    j.pass(pass(1.020, 5, 8));            // a full graph: no padding
    Map<List<String>, Object> v = values(j);
    assertThat(v.get(List.of("GRAPH_REPLAYS", "FULL", "8"))).isEqualTo(2.0);
    assertThat(v.get(List.of("GRAPH_PADDING", "FULL", "8"))).isEqualTo(2.0);
    assertThat(((HistogramValue) v.get(List.of("EAGER_TOKENS"))).count()).isEqualTo(1);
    assertThat(((HistogramValue) v.get(List.of("EAGER_TOKENS"))).sum()).isEqualTo(300.0);
  }

  @Test
  void stepThenReplayPairsWithinTheStepAndAReplayWithoutAStepHasNoPadding() {
    GraphJoin j = new GraphJoin();
    j.pass(pass(2.000, 4, 3));
    j.replay(replay(2.000, 4));           // inside the step just read: pairs (padding 1)
    j.replay(replay(3.000, 4));           // no step recorded for it (forward_pass profiler off)
    Map<List<String>, Object> v = values(j);
    assertThat(v.get(List.of("GRAPH_REPLAYS", "FULL", "4"))).isEqualTo(2.0);
    assertThat(v.get(List.of("GRAPH_PADDING", "FULL", "4"))).isEqualTo(1.0);
    assertThat(v).doesNotContainKey(List.of("EAGER_TOKENS"));
  }
}
