package dev.profilemate.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import dev.profilemate.common.UserDataException;
import dev.profilemate.export.Column;
import dev.profilemate.export.SessionFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Parquet dataset of the golden session (every session file with rows): its layout, each
 * column's type is the schema's, and every cell equals the CSV's; merge keeps, renames or skips
 * sessions as docs/fleet.md says.
 */
class ParquetDatasetTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/session_golden");
  private static Connection db;

  @BeforeAll
  static void open() {
    db = DuckDb.open();
  }

  @AfterAll
  static void close() throws Exception {
    db.close();
  }

  private static Path copy(Path from, Path to) throws IOException {
    return dev.profilemate.TestPaths.copyTree(from, to);
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  private static List<CsvRecord> csvRows(Path csv) throws IOException {
    try (CsvReader<CsvRecord> r = CsvReader.builder().ofCsvRecord(csv)) {
      return r.stream().skip(1).toList();
    }
  }

  @Test
  void layoutIsOneFolderPerFileBySessionAndRank(@TempDir Path tmp) throws IOException {
    Datasets.Summary s = Datasets.write(tmp.resolve("ds"), List.of(GOLDEN), n -> {}, p -> {});
    long rows = 0;
    List<String> tables = new ArrayList<>();
    for (SessionFile f : SessionFile.values()) {
      tables.add(DatasetLayout.table(f));
      rows += csvRows(GOLDEN.resolve(f.fileName)).size();
    }
    List<String> files = files(tmp.resolve("ds"));
    assertThat(files).contains("sessions/session=session_golden/part-0.parquet");
    for (String t : tables) {
      assertThat(files).as(t).anyMatch(f -> f.startsWith(t + "/"));
    }
    for (String f : files) {
      if (!f.startsWith("sessions/")) {
        String table = f.substring(0, f.indexOf('/'));
        assertThat(tables).contains(table);
        // the golden session's processes have one rank, and its rows no per-row ranks yet, or dp0-pp0-… when they do
        assertThat(f).matches(java.util.regex.Pattern.quote(table)
            + "/session=session_golden/rank=(0|dp\\d+(-[a-z]{2}\\d+)*)/part-0\\.parquet");
      }
    }
    assertThat(s.rows()).isEqualTo(rows).isPositive();
    assertThat(s.ids()).containsExactly("session_golden");
  }

  @Test
  void everyColumnHasTheSchemaTypeAndEveryCellTheCsvValue(@TempDir Path tmp) throws Exception {
    Path ds = tmp.resolve("ds");
    Datasets.write(ds, List.of(GOLDEN), n -> {}, p -> {});
    int checkedCells = 0;
    for (SessionFile f : SessionFile.values()) {
      String parts = Sql.literal(DatasetLayout.sessionDir(ds, DatasetLayout.table(f), "session_golden") + "/*/*.parquet");
      List<String> types = new ArrayList<>();
      try (Statement st = db.createStatement();
          ResultSet r = st.executeQuery("DESCRIBE SELECT * FROM read_parquet(" + parts + ", hive_partitioning = false)")) {
        while (r.next()) {
          types.add(r.getString(1) + " " + r.getString(2));
        }
      }
      assertThat(types).as(f.fileName).containsExactlyElementsOf(
          f.docs.stream().map(c -> c.name() + " " + c.type().name()).toList());
      // rows may be split over rank partitions: compare as multisets of typed rows
      List<String> expected = new ArrayList<>();
      for (CsvRecord row : csvRows(GOLDEN.resolve(f.fileName))) {
        List<Object> cells = new ArrayList<>();
        for (int i = 0; i < f.docs.size(); i++) {
          cells.add(typed(f.docs.get(i), row.getField(i)));
          checkedCells++;
        }
        expected.add(cells.toString());
      }
      List<String> actual = new ArrayList<>();
      try (Statement st = db.createStatement();
          ResultSet r = st.executeQuery("SELECT * FROM read_parquet(" + parts + ", hive_partitioning = false)")) {
        while (r.next()) {
          List<Object> cells = new ArrayList<>();
          for (int i = 0; i < f.docs.size(); i++) {
            cells.add(r.getObject(i + 1));
          }
          actual.add(cells.toString());
        }
      }
      assertThat(actual).as(f.fileName).containsExactlyInAnyOrderElementsOf(expected);
    }
    assertThat(checkedCells).isGreaterThan(500);
  }

  /** The CSV cell as the value its type makes of it, parsed here independently of DuckDB: empty (and None in BIGINT) is null. */
  private static Object typed(Column c, String csv) {
    if (csv.isEmpty() || (csv.equals("None") && c.type() == dev.profilemate.export.ColumnType.BIGINT)) {
      return null;
    }
    return switch (c.type()) {
      case BIGINT -> Long.parseLong(csv);
      case DOUBLE -> Double.parseDouble(csv);
      case BOOLEAN -> Boolean.parseBoolean(csv.toLowerCase(java.util.Locale.ROOT));
      case VARCHAR -> csv;
    };
  }

  @Test
  void aFileWithNoRowsStillHasItsTypedColumns(@TempDir Path tmp) throws Exception {
    Path session = copy(GOLDEN, tmp.resolve("session_golden"));
    Files.writeString(session.resolve("forward_pass_timing.csv"), String.join(",", SessionFile.FORWARD_PASS.columns) + "\n");
    Path ds = tmp.resolve("ds");
    Datasets.write(ds, List.of(session), n -> {}, p -> {});
    Path part = DatasetLayout.part(ds, "forward_pass_timing", "session_golden", "0");
    try (Statement st = db.createStatement();
        ResultSet r = st.executeQuery("SELECT count(*), typeof(first(forward_time_ms)) FROM read_parquet("
            + Sql.literal(part.toString()) + ")")) {
      r.next();
      assertThat(r.getLong(1)).isZero();
      assertThat(r.getString(2)).isEqualTo("DOUBLE");
    }
  }

  @Test
  void aValueThatIsNotItsColumnsTypeFailsInsteadOfBecomingText(@TempDir Path tmp) throws IOException {
    Path session = copy(GOLDEN, tmp.resolve("session_golden"));
    Path csv = session.resolve("batch_utilization.csv");
    List<String> lines = new ArrayList<>(Files.readAllLines(csv));
    String[] cells = lines.get(1).split(",", -1);
    cells[1] = "2.5"; // num_seqs is BIGINT: not rounded to 2
    lines.set(1, String.join(",", cells));
    Files.write(csv, lines);
    Path ds = tmp.resolve("ds");
    assertThatThrownBy(() -> Datasets.write(ds, List.of(session), n -> {}, p -> {}))
        .isInstanceOf(UserDataException.class).hasMessageContaining("num_seqs is BIGINT but holds 2.5");
    assertThat(DatasetLayout.isDataset(ds)).as("nothing half-written").isFalse();
  }

  @Test
  void aCsvOfAnotherEngineVersionIsRefusedByName(@TempDir Path tmp) throws IOException {
    Path session = copy(GOLDEN, tmp.resolve("session_golden"));
    Path csv = session.resolve("kv_cache_usage.csv");
    Files.writeString(csv, "timestamp_sec,usage_pct\n0.1,5\n");
    assertThatThrownBy(() -> Datasets.write(tmp.resolve("ds"), List.of(session), n -> {}, p -> {}))
        .isInstanceOf(UserDataException.class).hasMessageContaining("kv_cache_usage.csv")
        .hasMessageContaining("profilemate export");
  }

  @Test
  void mergeKeepsIdsRenamesAnotherSessionOfTheSameNameAndTakesARepeatOnce(@TempDir Path tmp) throws Exception {
    Path a = copy(GOLDEN, tmp.resolve("node1/session_golden"));
    Path b = copy(GOLDEN, tmp.resolve("node2/session_golden"));
    // node2's session started at another time on another host: another session with the same name
    Files.writeString(b.resolve("metadata.json"), Files.readString(b.resolve("metadata.json"))
        .replace("\"start_time\" : \"2025-11-29T07:06:40Z\"", "\"start_time\" : \"2025-11-29T07:06:41Z\"")
        .replace("fixture-host", "node-2"));
    Path ds = tmp.resolve("ds");
    List<String> notes = new ArrayList<>();
    Datasets.Summary s = Datasets.write(ds, List.of(a, b, a), notes::add, p -> {});
    assertThat(s.ids()).containsExactly("session_golden", "session_golden-node-2");
    assertThat(notes).hasSize(2);
    assertThat(notes.get(0)).contains("kept as session=session_golden-node-2");
    assertThat(notes.get(1)).contains("again").contains("taken once");
    assertThat(DatasetLayout.sessionIds(ds)).containsExactly("session_golden", "session_golden-node-2");

    // a dataset merged into another: its sessions come along; the same one again replaces nothing twice
    Path other = tmp.resolve("ds2");
    Datasets.write(other, List.of(a), n -> {}, p -> {});
    List<String> notes2 = new ArrayList<>();
    Datasets.Summary s2 = Datasets.write(ds, List.of(other), notes2::add, p -> {});
    assertThat(s2.ids()).containsExactly("session_golden");
    assertThat(DatasetLayout.sessionIds(ds)).containsExactly("session_golden", "session_golden-node-2");
    try (Statement st = db.createStatement();
        ResultSet r = st.executeQuery("SELECT session, count(*) FROM read_parquet(" + Sql.literal(DatasetLayout.glob(ds,
            "batch_utilization")) + ", hive_partitioning = true) GROUP BY ALL ORDER BY ALL")) {
      long rows = csvRows(GOLDEN.resolve("batch_utilization.csv")).size();
      r.next();
      assertThat(r.getString(1) + " " + r.getLong(2)).isEqualTo("session_golden " + rows);
      r.next();
      assertThat(r.getString(1) + " " + r.getLong(2)).isEqualTo("session_golden-node-2 " + rows);
    }
  }

  @Test
  void rowsWithTheirRanksArePartitionedByThemAndRowsWithoutTakeTheSessions() throws Exception {
    String expr = RankPartition.sql(List.of("timestamp_sec", "node", "dp_rank", "pp_rank", "tp_rank", "ep_rank"), "all");
    List<String> got = new ArrayList<>();
    try (Statement st = db.createStatement();
        ResultSet r = st.executeQuery("SELECT " + expr + " FROM (VALUES ('0.1', 'n1', '1', '0', '1', '3'), "
            + "('0.2', 'n1', '0', '', '', ''), ('0.3', 'n1', '', '', '', ''), ('0.4', 'n1', NULL, NULL, NULL, NULL)) "
            + "AS t(timestamp_sec, node, dp_rank, pp_rank, tp_rank, ep_rank)")) {
      while (r.next()) {
        got.add(r.getString(1));
      }
    }
    assertThat(got).containsExactly("dp1-pp0-tp1-ep3", "dp0", "all", "all");
    assertThat(RankPartition.sql(List.of("timestamp_sec"), "0")).isEqualTo("'0'");
  }

  @Test
  void theRankPartitionIsTheSessionsOneRankOrAll() {
    assertThat(RankPartition.ofSession(new java.util.TreeSet<>(List.of(0)))).isEqualTo("0");
    assertThat(RankPartition.ofSession(new java.util.TreeSet<>(List.of(-1)))).isEqualTo("0");
    assertThat(RankPartition.ofSession(new java.util.TreeSet<>(List.of(-1, 3)))).isEqualTo("3");
    assertThat(RankPartition.ofSession(new java.util.TreeSet<>(List.of(0, 1)))).isEqualTo("all");
  }
}
