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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25: a session of two nodes (spool-format/make_fixtures.py, session_two_nodes): two workers, TP
 * ranks 0 and 1, whose monotonic clocks read 1000 s apart at the same instant; node-b's wall clock gains
 * 2 µs by its second anchor. Every row carries its process's ranks; the export puts both on one timeline.
 */
class MultiNodeExportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void rowsCarryTheirRanksAndTheSecondNodeIsAlignedThroughItsAnchors(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_two_nodes"), out);
    CsvTable ops = CsvTable.read(out.resolve("cpu_operations_timing.csv"));
    List<String> rows = new ArrayList<>();
    for (String[] r : ops.rows()) {
      rows.add(String.join(",", ops.text(r, "timestamp_sec"), ops.text(r, "context"), ops.text(r, "node"),
          ops.text(r, "dp_rank"), ops.text(r, "pp_rank"), ops.text(r, "tp_rank"), ops.text(r, "ep_rank")));
    }
    // the same instants at the same times although the clocks read 1000 s apart; node-b's last record
    // follows its second anchor, which moved its mapping by the 2 µs its wall clock gained
    assertThat(rows).containsExactly(
        "0.010000,i=0,node-a,0,0,0,0", "0.010000,i=0,node-b,0,0,1,1",
        "0.020000,i=1,node-a,0,0,0,0", "0.020000,i=1,node-b,0,0,1,1",
        "0.030000,i=2,node-a,0,0,0,0", "0.030000,i=2,node-b,0,0,1,1",
        "0.040000,i=3,node-a,0,0,0,0", "0.040000,i=3,node-b,0,0,1,1",
        "0.060000,i=4,node-a,0,0,0,0", "0.060002,i=4,node-b,0,0,1,1");
    JsonNode procs = JSON.readTree(out.resolve("metadata.json").toFile()).path("processes");
    JsonNode a = procs.get(0).path("clock");
    JsonNode b = procs.get(1).path("clock");
    assertThat(a.path("aligned_by").asText()).isEqualTo("monotonic clock of node node-a");
    assertThat(a.path("error_bound_ns").asLong()).isZero();
    assertThat(b.path("aligned_by").asText()).startsWith("wall-clock anchors");
    assertThat(b.path("shift_ns").asLong()).isEqualTo(-1_000_000_000_000L + 2_000);
    assertThat(b.path("anchors").asLong()).isEqualTo(2);
    assertThat(b.path("max_step_between_anchors_ns").asLong()).isEqualTo(2_000);
    // its widest read (400) + the reference node's (400) + the largest step
    assertThat(b.path("error_bound_ns").asLong()).isEqualTo(400 + 400 + 2_000);
    assertThat(procs.get(1).path("parallel").path("tp_rank").asInt()).isEqualTo(1);
    assertThat(procs.get(1).path("parallel").path("tp_size").asInt()).isEqualTo(2);
  }
}
