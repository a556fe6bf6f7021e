package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.profilemate.TestPaths;
import dev.profilemate.export.SessionExporter;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's "EPLB as it ran" on make_fixtures.py's session_eplb (EP 2, 4 experts + 2 redundant, three
 * placements; EplbPlacementsTest works out each row). Every figure below is worked by hand from the fixture's
 * counts: per row (placement, layer) the busiest rank's and the mean rank's tokens.
 */
class EplbAsRanReportTest {
  @Test
  void asRanNoEplbAndHindsightFromTheWindowsUnderEachPlacement(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_eplb"), out);
    SessionData s = SessionData.read(out);
    ExpertParallelAnalysis ep = ExpertParallelAnalysis.of(s, MoeAnalysis.of(s).status());
    ExpertParallelAnalysis.AsRan a = ep.asRan();
    assertThat(a).isNotNull();
    assertThat(a.placements()).isEqualTo(3);
    assertThat(a.rearranged()).isEqualTo(1);
    assertThat(a.skipped()).isEqualTo(1);
    // busiest / mean per row: 70/50, 60/40 (placement 0), 60/50, 40/40 (1), 86.67/60 (2, layer 1 only)
    double busiest = 70 + 60 + 60 + 40 + 260.0 / 3;
    double mean = 50 + 40 + 50 + 40 + 60;
    // the CSV's imbalance has 4 decimals: 1.4444 × 60 is 86.664, not 86.667
    assertThat(a.imbalance()).isCloseTo(busiest / mean, within(1e-4));
    assertThat(a.lostPct()).isCloseTo(100 * (1 - mean / busiest), within(1e-2));
    // without EPLB (linear: experts 0-1 on rank 0, 2-3 on rank 1): 20|80, 40|40, 20|80, 40|40, 80|40
    assertThat(a.noEplb()).isCloseTo((80 + 40 + 80 + 40 + 80) / mean, within(1e-9));
    // EPLB's policy on each window's own load: 10 10 60 20 -> expert 2 three times, 10 10 20 20 20 20 -> 50|50;
    // 40 0 0 40 -> experts 0 and 3 twice -> 40|40; 60 20 20 20 -> expert 0 three times, six slots of 20 -> 60|60
    assertThat(a.hindsight()).isCloseTo((50 + 40 + 50 + 40 + 60) / mean, within(1e-9));
    // vLLM's own figure per placement (layers summed): 90|90 -> 1.00, 80|100 -> 1.11, 86.67|33.33 -> 1.44
    assertThat(a.vllmMin()).isEqualTo(1.0);
    assertThat(a.vllmMax()).isEqualTo(1.4444);
    // the static what-if on the session's totals, the section's own figure: layer 1's 80 40 140 60 with expert 2
    // then 0 replicated, slots 70 70 60 40 40 40 packed heaviest first onto the lighter rank: 170 | 150, mean 160;
    // layer 2's 80 0 0 80 with experts 0 and 3 replicated: 80 | 80
    assertThat(a.staticPredicted()).isEqualTo(ep.eplbImbalance());
    assertThat(a.staticPredicted()).isCloseTo((170.0 + 80) / (160 + 80), within(1e-9));
    assertThat(a.sentence()).startsWith("EPLB as it ran (3 placements: 1 rearrangement, 1 skipped by vLLM): "
        + "the busiest EP rank carried 1.32× the mean, 24.2% of the MoE expert time spent waiting for it; "
        + "without EPLB (linear placement) the same windows would carry 1.33×");
    Path page = ReportWriter.write(out, out.resolve("r.html"), null);
    assertThat(Files.readString(page)).contains("<p class=\"answer\" id=\"eplb-as-ran\">" + a.sentence());
  }

  @Test
  void withoutEplbPlacementsThereIsNoAsRan(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_tp_moe"), out);
    SessionData s = SessionData.read(out);
    assertThat(ExpertParallelAnalysis.of(s, MoeAnalysis.of(s).status()).asRan()).isNull();
  }
}
