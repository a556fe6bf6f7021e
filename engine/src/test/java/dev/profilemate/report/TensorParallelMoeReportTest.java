package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.export.SessionExporter;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25: the report's MoE section and EP what-if read the model-wide counts, each token once, from
 * a DP 2 × TP 2 session whose TP ranks record the same counts (make_fixtures.py, session_tp_moe).
 */
class TensorParallelMoeReportTest {
  @Test
  void theMoeSectionCountsEachDataParallelRanksTokensOnce(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_tp_moe"), out);
    SessionData s = SessionData.read(out);
    MoeAnalysis moe = MoeAnalysis.of(s);
    // layer 0: 100 + 100 assignments, layer 1: 200 + 40 (summing the TP ranks too would give 400 and 480)
    assertThat(moe.perLayer()).extracting(MoeAnalysis.Layer::tokens).containsExactly(200L, 240L);
    assertThat(moe.topPairs()).extracting(MoeAnalysis.Pair::count).containsExactly(30L, 25L);
    // EP over tp x dp = 4 ranks, linear placement (experts 0-1, 2-3, 4-5, 6-7): layer 0's model-wide
    // load 40+30, 20+10, 10+20, 30+40 puts 70 on the busiest rank against a mean of 50
    ExpertParallelAnalysis ep = ExpertParallelAnalysis.of(s, moe.status());
    assertThat(ep.epSize()).isEqualTo(4);
    assertThat(ep.worstLayers().getFirst().imbalance()).isEqualTo(70.0 / 50.0);
  }
}
