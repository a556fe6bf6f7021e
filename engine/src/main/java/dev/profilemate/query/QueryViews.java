package dev.profilemate.query;

import dev.profilemate.export.SessionFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The views a query sees: one per session file, named after it (batch_utilization,
 * request_lifecycle, …), with the CSV's columns and types, then session and rank; and sessions.
 * Each view is the union of every given session's CSV and every given dataset's parts, so one
 * query runs across sessions and nodes. A view with no data still has its columns.
 */
final class QueryViews {
  private QueryViews() {}

  private static final String HIVE = ", hive_partitioning = true, union_by_name = true, hive_types = {'session': "
      + "'VARCHAR', 'rank': 'VARCHAR'})";
  private static final String HIVE_SESSIONS = ", hive_partitioning = true, hive_types = {'session': 'VARCHAR'})";

  /** Creates the views; returns their names. */
  static List<String> create(Connection db, Sources in) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Statement st = db.createStatement()) {
      for (SessionFile f : SessionFile.values()) {
        String table = DatasetLayout.table(f);
        List<String> parts = new ArrayList<>();
        for (ExportedSession s : in.sessions()) {
          Path csv = s.csv(f);
          if (csv != null) {
            List<String> header = s.header(f, csv);
            parts.add(CsvSelect.select(f, List.of(Sql.literal(DatasetLayout.safeId(s.id())) + " AS session",
                RankPartition.sql(header, s) + " AS rank"), CsvSelect.readCsv(csv, f)));
          }
        }
        for (Path ds : in.datasets()) {
          if (DatasetLayout.hasParts(ds, table)) {
            parts.add("SELECT * FROM read_parquet(" + Sql.literal(DatasetLayout.glob(ds, table)) + HIVE);
          }
        }
        if (parts.isEmpty()) {
          parts.add(CsvSelect.empty(f, List.of("CAST(NULL AS VARCHAR) AS session", "CAST(NULL AS VARCHAR) AS rank")));
        }
        st.execute("CREATE VIEW " + Sql.ident(table) + " AS " + String.join(" UNION ALL BY NAME ", parts));
        names.add(table);
      }
      List<String> parts = new ArrayList<>();
      for (ExportedSession s : in.sessions()) {
        parts.add(SessionsTable.select(s) + ", " + Sql.literal(DatasetLayout.safeId(s.id())) + " AS session");
      }
      for (Path ds : in.datasets()) {
        if (DatasetLayout.hasParts(ds, DatasetLayout.SESSIONS)) {
          parts.add("SELECT * FROM read_parquet(" + Sql.literal(DatasetLayout.glob(ds, DatasetLayout.SESSIONS))
              + HIVE_SESSIONS);
        }
      }
      if (parts.isEmpty()) {
        parts.add(SessionsTable.empty().replace(" WHERE false", ", CAST(NULL AS VARCHAR) AS session WHERE false"));
      }
      st.execute("CREATE VIEW " + DatasetLayout.SESSIONS + " AS " + String.join(" UNION ALL BY NAME ", parts));
      names.add(DatasetLayout.SESSIONS);
    }
    return names;
  }
}
