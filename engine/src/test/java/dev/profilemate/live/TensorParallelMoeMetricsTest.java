package dev.profilemate.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.export.SessionExporter;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25: /metrics' MoE series count each token once under tensor parallelism, as the export's
 * model-wide totals do: session_tp_moe (make_fixtures.py) is DP 2 × TP 2, each DP rank's TP ranks
 * recording the same counts.
 */
class TensorParallelMoeMetricsTest {
  @Test
  void routedTokensAddOneTensorParallelRankPerDataParallelRank(@TempDir Path out) throws IOException {
    LiveAccumulator[] acc = new LiveAccumulator[1];
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_tp_moe"), out,
        dev.profilemate.common.Progress.NONE,
        r -> acc[0] = new LiveAccumulator(RecordSchema.bundled(), r.processes(), true));
    Map<String, Double> routed = new TreeMap<>();
    Map<String, Double> expert0 = new TreeMap<>();
    for (Series s : acc[0].snapshot(true, 1.7e9).series()) {
      if (s.metric() == LiveMetric.MOE_ROUTED) {
        routed.put(s.labelValues().get(2), s.number());
      }
      if (s.metric() == LiveMetric.MOE_EXPERT_TOKENS && s.labelValues().get(3).equals("0")) {
        expert0.put(s.labelValues().get(2), s.number());
      }
    }
    // layer 0: 100 + 100 assignments, layer 1: 200 + 40 (every TP rank added: 400 and 480)
    assertThat(routed).containsExactly(Map.entry("0", 200.0), Map.entry("1", 240.0));
    assertThat(expert0).containsExactly(Map.entry("0", 40.0), Map.entry("1", 30.0));
  }
}
