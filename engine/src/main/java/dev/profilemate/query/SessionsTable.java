package dev.profilemate.query;

import java.util.List;
import java.util.StringJoiner;

/**
 * The dataset's sessions table: one row per session from its metadata.json, so a fleet query can
 * group by host or model (JOIN … USING (session)) and merge can tell one session given twice from
 * two sessions that share a name. Columns: docs/fleet.md.
 */
final class SessionsTable {
  private SessionsTable() {}

  /** Name and SQL type of each column, in order. */
  static final List<String[]> COLUMNS = List.of(
      new String[] {"start_time", "VARCHAR"}, new String[] {"end_time", "VARCHAR"},
      new String[] {"duration_sec", "DOUBLE"}, new String[] {"hosts", "VARCHAR"}, new String[] {"model", "VARCHAR"},
      new String[] {"processes", "BIGINT"}, new String[] {"ranks", "VARCHAR"}, new String[] {"records", "BIGINT"});

  /** The one-row SELECT of a session's facts. */
  static String select(ExportedSession s) {
    var session = s.metadata().path("session");
    StringJoiner ranks = new StringJoiner(",");
    s.processRanks().forEach(r -> ranks.add(String.valueOf(r)));
    String model = s.engine().path("model").asText("");
    return "SELECT " + text(s.startTime()) + " AS start_time, "
        + text(session.path("end_time").asText("")) + " AS end_time, "
        + (session.path("duration_sec").isNumber() ? "CAST(" + session.path("duration_sec").asDouble() + " AS DOUBLE)"
            : "CAST(NULL AS DOUBLE)") + " AS duration_sec, "
        + text(String.join(",", s.hosts())) + " AS hosts, "
        + text(model) + " AS model, "
        + "CAST(" + s.metadata().path("processes").size() + " AS BIGINT) AS processes, "
        + text(ranks.toString()) + " AS ranks, "
        + (session.path("records").isNumber() ? "CAST(" + session.path("records").asLong() + " AS BIGINT)"
            : "CAST(NULL AS BIGINT)") + " AS records";
  }

  private static String text(String s) {
    return s.isEmpty() ? "CAST(NULL AS VARCHAR)" : Sql.literal(s);
  }

  static String empty() {
    StringJoiner j = new StringJoiner(", ", "SELECT ", " WHERE false");
    COLUMNS.forEach(c -> j.add("CAST(NULL AS " + c[1] + ") AS " + c[0]));
    return j.toString();
  }
}
