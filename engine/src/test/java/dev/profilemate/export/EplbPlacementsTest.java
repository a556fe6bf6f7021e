package dev.profilemate.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.common.CsvTable;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EPLB as it ran (eplb_placements.csv) on make_fixtures.py's session_eplb: 4 logical experts and 2 replicas
 * in 6 slots over 2 EP ranks (slots 0-2 on rank 0, 3-5 on rank 1), three placements with known counts. Each
 * figure below is vLLM's rank_load_imbalance worked by hand: a slot takes its logical expert's tokens divided
 * by the expert's replica count, a rank the sum of its slots, imbalance = max / mean.
 */
class EplbPlacementsTest {

  @Test
  void eachPlacementsLoadPerRankIsVllmsFormulaOnTheCountsUnderIt(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_eplb"), out);
    CsvTable t = CsvTable.read(out.resolve("eplb_placements.csv"));
    List<String[]> rows = t.rows();
    assertThat(rows).hasSize(3 * 2);
    // placement 0, the initial map 0 1 2 3 0 1 in both layers (experts 0 and 1 twice)
    // layer 1: two windows 4 4 30 10 + 6 6 30 10 = 10 10 60 20; slots 5 5 60 | 20 5 5: 70 vs 30, mean 50
    expect(t, rows.get(0), 0, "initial", 1, 100, "1.4000", "10 10 60 20");
    // layer 2: 40 0 0 40; slots 20 0 0 | 40 20 0: 20 vs 60, mean 40 -> 1.5
    expect(t, rows.get(1), 0, "initial", 2, 80, "1.5000", "40 0 0 40");
    // vLLM's model-wide figure sums the layers first: 70 + 20 = 90 vs 30 + 60 = 90 -> 1.00, though each layer waits
    assertThat(t.text(rows.get(0), "model_imbalance")).isEqualTo("1.0000");
    assertThat(t.text(rows.get(1), "model_imbalance")).isEqualTo("1.0000");
    // placement 1: layer 1 map 2 0 1 | 2 3 2 (expert 2 three times: 20 each): 20 10 10 | 20 20 20 = 40 vs 60 -> 1.2
    expect(t, rows.get(2), 1, "rearranged", 1, 100, "1.2000", "10 10 60 20");
    // layer 2 map 0 3 1 | 3 0 2 (experts 0 and 3 twice: 20 each): 20 20 0 | 20 20 0 = 40 vs 40 -> 1.0
    expect(t, rows.get(3), 1, "rearranged", 2, 80, "1.0000", "40 0 0 40");
    // model-wide: 80 vs 100, mean 90 -> 1.1111
    assertThat(t.text(rows.get(2), "model_imbalance")).isEqualTo("1.1111");
    // placement 2, skipped (the map kept): layer 1, 60 20 20 20 on 2 0 1 | 2 3 2: 20/3 60 20 | 20/3 20 20/3
    // = 86.67 vs 33.33, mean 60 -> 1.4444
    expect(t, rows.get(4), 2, "skipped", 1, 120, "1.4444", "60 20 20 20");
    // layer 2 counted nothing under it: no imbalance, no counts
    expect(t, rows.get(5), 2, "skipped", 2, 0, "", "");
    assertThat(t.text(rows.get(4), "model_imbalance")).isEqualTo("1.4444");
    for (String[] r : rows) {
      assertThat(t.whole(r, "ep_size")).isEqualTo(2);
      assertThat(t.whole(r, "physical_experts")).isEqualTo(6);
    }
    assertThat(t.text(rows.get(2), "timestamp_sec")).isEqualTo("0.200000");
  }

  private static void expect(CsvTable t, String[] row, int placement, String event, int layer, long routed,
      String imbalance, String counts) {
    assertThat(t.whole(row, "placement")).isEqualTo(placement);
    assertThat(t.text(row, "event")).isEqualTo(event);
    assertThat(t.whole(row, "layer_idx")).isEqualTo(layer);
    assertThat(t.whole(row, "routed_tokens")).isEqualTo(routed);
    assertThat(t.text(row, "imbalance")).isEqualTo(imbalance);
    assertThat(t.text(row, "expert_counts")).isEqualTo(counts);
  }
}
