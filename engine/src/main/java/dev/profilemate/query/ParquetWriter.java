package dev.profilemate.query;

import dev.profilemate.common.UserDataException;
import dev.profilemate.export.SessionFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one exported session into a Parquet dataset ({@link DatasetLayout}) under a session id:
 * every session CSV with the schema's types, one file per rank partition, and its sessions row.
 * A file with no rows still gets an empty part, so its columns and types are there for readers.
 * The session is written aside first and then moved in, so an earlier copy of it is replaced
 * whole and a failure leaves the dataset as it was.
 */
final class ParquetWriter {
  private final Connection db;

  ParquetWriter(Connection db) {
    this.db = db;
  }

  /** What was written; missing: session files the export had none of (an older engine's). */
  record Written(String session, long rows, int files, List<String> missing) {}

  Written write(ExportedSession s, Path dataset, String id) {
    Path staging = dataset.resolve(".incoming-" + id);
    DatasetLayout.deleteTree(staging);
    long rows = 0;
    int files = 0;
    List<String> missing = new ArrayList<>();
    try {
      for (SessionFile f : SessionFile.values()) {
        Path csv = s.csv(f);
        if (csv == null) {
          missing.add(f.fileName);
          continue;
        }
        List<String> header = s.header(f, csv);
        String table = DatasetLayout.table(f);
        String ranked = "SELECT *, " + RankPartition.sql(header, s) + " AS __rank FROM " + CsvSelect.readCsv(csv, f);
        List<String> ranks = ranks(ranked, s);
        for (String rank : ranks) {
          String select = CsvSelect.select(f, List.of(), "(" + ranked + ") WHERE __rank = " + Sql.literal(rank));
          rows += copy(select, DatasetLayout.part(staging, table, id, DatasetLayout.safeId(rank)));
          files++;
        }
      }
      copy(SessionsTable.select(s), DatasetLayout.sessionDir(staging, DatasetLayout.SESSIONS, id)
          .resolve(DatasetLayout.PART));
      files++;
      moveIn(staging, dataset, id);
    } catch (SQLException e) {
      throw new UserDataException(s.dir() + ": cannot write Parquet (" + DuckDb.firstLine(e.getMessage()) + ")", e);
    } finally {
      DatasetLayout.deleteTree(staging);
    }
    return new Written(id, rows, files, missing);
  }

  /** The rank partitions the rows fall in; the session's own when there are no rows. */
  private List<String> ranks(String ranked, ExportedSession s) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = db.createStatement();
        ResultSet r = st.executeQuery("SELECT DISTINCT __rank FROM (" + ranked + ") ORDER BY 1")) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    if (out.isEmpty()) {
      out.add(RankPartition.ofSession(s.processRanks()));
    }
    return out;
  }

  private long copy(String select, Path file) throws SQLException {
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Statement st = db.createStatement()) {
      // COPY answers with the rows it wrote
      String to = Sql.literal(file.toAbsolutePath().toString());
      if (st.execute("COPY (" + select + ") TO " + to + " (FORMAT parquet)")) {
        try (ResultSet r = st.getResultSet()) {
          return r.next() ? r.getLong(1) : 0;
        }
      }
      return Math.max(0, st.getUpdateCount());
    }
  }

  /** Each table's session=ID folder replaces the dataset's (a re-export of the session), table by table. */
  private static void moveIn(Path staging, Path dataset, String id) {
    for (String table : DatasetLayout.tablesOf(dataset, id)) {
      DatasetLayout.deleteTree(DatasetLayout.sessionDir(dataset, table, id));
    }
    try {
      for (String table : DatasetLayout.tablesOf(staging, id)) {
        Path to = DatasetLayout.sessionDir(dataset, table, id);
        Files.createDirectories(to.getParent());
        Files.move(DatasetLayout.sessionDir(staging, table, id), to, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
