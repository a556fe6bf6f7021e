package dev.profilemate.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.TestPaths;
import dev.profilemate.common.CsvTable;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25: per-layer MoE files per process, and model-wide totals that count each token once. The
 * fixture (make_fixtures.py, session_tp_moe) is DP 2 × TP 2 with EP on: the two TP ranks of a DP rank
 * record the same counts (vLLM routes each DP rank's replicated tokens on every TP rank); the DP
 * ranks' loads differ. A sum over all processes would count every token twice.
 */
class TensorParallelMoeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** make_fixtures.py TP_MOE_COUNTS: per DP rank, per layer. */
  private static final long[][][] COUNTS = {
      {{40, 30, 20, 10, 0, 0, 0, 0}, {25, 25, 25, 25, 25, 25, 25, 25}},
      {{0, 0, 0, 0, 10, 20, 30, 40}, {5, 5, 5, 5, 5, 5, 5, 5}}};

  @Test
  void perRankRowsAndTotalsThatCountEachTokenOnce(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_tp_moe"), out);
    CsvTable act = CsvTable.read(out.resolve("moe_expert_activations.csv"));
    assertThat(act.rows()).hasSize(4 * 2 * 8); // every process's own rows: 4 ranks x 2 layers x 8 experts
    Map<String, Long> modelWide = new TreeMap<>();
    for (String[] r : act.rows()) {
      int dp = (int) act.whole(r, "dp_rank");
      int tp = (int) act.whole(r, "tp_rank");
      int layer = (int) act.whole(r, "layer_idx");
      int expert = (int) act.whole(r, "expert_id");
      // each rank's row is its own counts, with its ranks (EP rank = world rank here)
      assertThat(act.whole(r, "activation_count")).isEqualTo(COUNTS[dp][layer][expert]);
      assertThat(act.whole(r, "ep_rank")).isEqualTo(dp * 2L + tp);
      assertThat(act.text(r, "node")).isEqualTo("fixture-host");
      assertThat(act.text(r, "in_model_total")).isEqualTo(tp == 0 ? "True" : "False");
      if (act.text(r, "in_model_total").equals("True")) {
        modelWide.merge(layer + "/" + expert, act.whole(r, "activation_count"), Long::sum);
      }
    }
    for (int layer = 0; layer < 2; layer++) {
      for (int e = 0; e < 8; e++) {
        assertThat(modelWide.get(layer + "/" + e)).as("layer %d expert %d", layer, e)
            .isEqualTo(COUNTS[0][layer][e] + COUNTS[1][layer][e]);
      }
    }
    JsonNode summary = JSON.readTree(out.resolve("moe_summary.json").toFile());
    // 100 + 100 assignments in layer 0, 200 + 40 in layer 1 (a sum over TP ranks would say 400 and 480)
    assertThat(summary.path("layers").get(0).path("assignments").asLong()).isEqualTo(200);
    assertThat(summary.path("layers").get(1).path("assignments").asLong()).isEqualTo(240);
    List<String> pairs = new ArrayList<>();
    summary.path("top_pairs").path("0").forEach(p -> pairs.add(p.path("expert1").asInt() + "-"
        + p.path("expert2").asInt() + ":" + p.path("count").asLong()));
    assertThat(pairs).containsExactly("0-1:30", "6-7:25");
    CsvTable layers = CsvTable.read(out.resolve("moe_layers.csv"));
    long tokens = 0;
    for (String[] r : layers.rows()) {
      if (layers.text(r, "in_model_total").equals("True")) {
        tokens += layers.whole(r, "tokens");
      }
    }
    assertThat(layers.rows()).hasSize(4 * 2);
    assertThat(tokens).isEqualTo(50 + 100 + 50 + 20);
    CsvTable hist = CsvTable.read(out.resolve("moe_routing_weights_histogram.csv"));
    assertThat(hist.rows()).hasSize(4);
    assertThat(hist.rows().stream().filter(r -> hist.text(r, "in_model_total").equals("True"))
        .mapToLong(r -> hist.whole(r, "count")).sum()).isEqualTo(30 + 25);
    JsonNode meta = JSON.readTree(out.resolve("metadata.json").toFile());
    assertThat(meta.path("warnings").toString()).doesNotContain("differ");
  }
}
