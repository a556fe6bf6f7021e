package dev.profilemate.kernel.nsys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.kernel.Fixtures;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The direct file reader returns exactly what SQLite itself returns, row by row. */
class SqliteTableScannerTest {
  static List<String> scanned(Path file, String table, List<String> cols) throws Exception {
    try (NsysDatabase db = NsysDatabase.open(file)) {
      SqliteTableScanner s = db.scanner(table, cols.toArray(new String[0]));
      assertThat(s).as("scanner for %s", table).isNotNull();
      List<String> rows = new ArrayList<>();
      try (s) {
        while (s.next()) {
          StringBuilder sb = new StringBuilder();
          for (int i = 0; i < cols.size(); i++) {
            sb.append(s.isNull(i) ? "NULL" : Long.toString(s.getLong(i))).append(',');
          }
          rows.add(sb.toString());
        }
      }
      return rows;
    }
  }

  static List<String> queried(Path file, String table, List<String> cols) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT " + String.join(", ", cols) + " FROM " + table + " ORDER BY rowid")) {
      while (rs.next()) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= cols.size(); i++) {
          long v = rs.getLong(i);
          sb.append(rs.wasNull() ? "NULL" : Long.toString(v)).append(',');
        }
        rows.add(sb.toString());
      }
    }
    return rows;
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "graph"})
  void everyIntegerColumnOfTheEventTablesMatchesSqlite(String mode) throws Exception {
    Path f = mode.equals("node") ? Fixtures.nsysNode() : Fixtures.nsysGraph();
    for (String table : List.of("CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_RUNTIME", "CUPTI_ACTIVITY_KIND_MEMCPY",
        "CUPTI_ACTIVITY_KIND_MEMSET", "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", "NVTX_EVENTS", "CUDA_GRAPH_NODE_EVENTS")) {
      List<String> cols;
      try (NsysDatabase db = NsysDatabase.open(f)) {
        if (!db.hasTable(table)) {
          continue;
        }
        cols = new ArrayList<>(db.orderedColumns(table));
      }
      // integer columns only (NVTX text and json columns are TEXT)
      cols.removeIf(c -> c.equals("text") || c.equals("jsonText") || c.equals("binaryData"));
      List<String> expected = queried(f, table, cols);
      assertThat(scanned(f, table, cols)).as(table).hasSize(expected.size()).isEqualTo(expected);
    }
  }

  /** SYNTHETIC table: long text that spills to overflow pages before the integer columns asked for. */
  @Test
  void recordsSpillingToOverflowPagesAndAllIntegerSizes() throws Exception {
    Path f = Fixtures.outDir("scanner-overflow").resolve("synthetic_overflow.sqlite");
    long[] samples = {0, 1, -1, 127, -128, 32767, -32768, 8_388_607, -8_388_608, 2_147_483_647L, -2_147_483_648L,
        140_737_488_355_327L, -140_737_488_355_328L, Long.MAX_VALUE, Long.MIN_VALUE, 281_508_967_352_298L};
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f.toAbsolutePath())) {
      c.createStatement().execute("CREATE TABLE StringIds (id INTEGER PRIMARY KEY, value TEXT NOT NULL)");
      c.createStatement().execute("CREATE TABLE t (a INTEGER, s TEXT, b INTEGER, r REAL, n INTEGER)");
      try (PreparedStatement p = c.prepareStatement("INSERT INTO t VALUES (?, ?, ?, ?, NULL)")) {
        for (int i = 0; i < 300; i++) {
          p.setLong(1, samples[i % samples.length]);
          p.setString(2, "x".repeat(i % 7 == 0 ? 20_000 + i : i)); // some rows far larger than a page
          p.setLong(3, samples[(i * 7) % samples.length]);
          p.setDouble(4, i * 1.5);
          p.executeUpdate();
        }
      }
      c.createStatement().execute("ALTER TABLE t ADD COLUMN added INTEGER");
      c.createStatement().execute("INSERT INTO t (a, s, b, r, n, added) VALUES (5, 'y', 6, 2.0, NULL, 7)");
    }
    List<String> cols = List.of("a", "b", "n", "added", "a");
    assertThat(scanned(f, "t", cols)).isEqualTo(queried(f, "t", cols));
  }
}
