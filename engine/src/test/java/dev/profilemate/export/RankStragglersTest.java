package dev.profilemate.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.common.CsvTable;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rank_stragglers.csv on session_two_nodes (make_fixtures.py): TP ranks 0 and 1 of DP rank 0 on two
 * nodes whose monotonic clocks read 1000 s apart; node-b (rank 1) is aligned through its anchors,
 * 2 µs later than node-a after its second. Built in: rank 1 starts 2 ms late in steps 0-1 and runs
 * 3 ms longer in steps 2-3; rank 0 runs 1 ms longer in step 4.
 */
class RankStragglersTest {

  @Test
  void eachStepNamesItsStragglerItsLagAndWhereItArose(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_two_nodes"), out);
    CsvTable t = CsvTable.read(out.resolve("rank_stragglers.csv"));
    List<String> rows = new ArrayList<>();
    for (String[] r : t.rows()) {
      rows.add(String.join(",", t.text(r, "step"), t.text(r, "dp_rank"), t.text(r, "tp_size"),
          t.text(r, "slowest_tp_rank"), t.text(r, "slowest_node"), t.text(r, "lag_ms"), t.text(r, "start_lag_ms"),
          t.text(r, "forward_lag_ms"), t.text(r, "lag_in")));
    }
    // two ranks: the median is halfway, so the lag is half the gap; node-b's 2 µs of alignment show
    assertThat(rows).containsExactly(
        "0,0,2,1,node-b,1.001,1.001,0.000,before_forward",
        "1,0,2,1,node-b,1.001,1.001,0.000,before_forward",
        "2,0,2,1,node-b,1.501,0.001,1.500,forward",
        "3,0,2,1,node-b,1.501,0.001,1.500,forward",
        "4,0,2,0,node-a,0.499,-0.001,0.500,forward");
  }

  @Test
  void oneGpuPerEngineHasTheHeaderAlone(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_golden"), out);
    assertThat(Files.readAllLines(out.resolve("rank_stragglers.csv"))).hasSize(1);
  }

  @Test
  void theReportNamesTheUsualStragglerAndWhereItsLagArose(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_two_nodes"), out);
    String html = Files.readString(dev.profilemate.report.ReportWriter.write(out, out.resolve("r.html"), null));
    // rank 1 last in 4 of 5 steps; mean lag (1.001 x 2 + 1.501 x 2 + 0.499) / 5 = 1.1006 ms
    assertThat(html).contains("In the TP group of DP rank 0: TP rank 1 ended last in 80.0% of 5 steps; the last rank "
        + "ended 1.10 ms after the median on average").contains("before the forward (a late start: input "
        + "preparation, host work) in 40.0% of steps and in the forward in 60.0%");
  }
}
