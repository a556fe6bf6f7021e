package dev.profilemate.query;

import dev.profilemate.export.Column;
import dev.profilemate.export.ColumnType;
import dev.profilemate.export.SessionFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * A SELECT over one session CSV with the schema's types: DuckDB reads every cell as text (no
 * sniffing, the header checked by {@link ExportedSession#header}) and each column is CAST to its
 * {@link ColumnType}, so a value that does not fit its type fails the command instead of turning
 * the column into text. Empty cells are NULL; so is "None" in a BIGINT column.
 */
final class CsvSelect {
  private CsvSelect() {}

  /** read_csv of the file, every column VARCHAR, RFC 4180 as the engine writes it. */
  static String readCsv(Path csv, SessionFile f) {
    StringJoiner cols = new StringJoiner(", ", "{", "}");
    for (String c : f.columns) {
      cols.add(Sql.literal(c) + ": 'VARCHAR'");
    }
    return "read_csv(" + Sql.literal(csv.toAbsolutePath().toString()) + ", header = true, auto_detect = false, "
        + "delim = ',', quote = '\"', escape = '\"', columns = " + cols + ")";
  }

  /** The typed columns in the CSV's order, then extra (e.g. session and rank expressions, already aliased). */
  static String select(SessionFile f, List<String> extra, String from) {
    List<String> out = new ArrayList<>();
    for (Column c : f.docs) {
      out.add(cast(c) + " AS " + Sql.ident(c.name()));
    }
    out.addAll(extra);
    return "SELECT " + String.join(", ", out) + " FROM " + from;
  }

  static String cast(Column c) {
    String v = Sql.ident(c.name());
    return switch (c.type()) {
      // DuckDB's CAST rounds '8.078' to 8: a cell that is not a whole number is an error, not a rounded value
      case BIGINT -> "CASE WHEN " + v + " IS NULL OR " + v + " IN ('', 'None') THEN NULL WHEN regexp_full_match(" + v
          + ", '-?[0-9]+') THEN CAST(" + v + " AS BIGINT) ELSE error('column " + c.name()
          + " is BIGINT but holds ' || " + v + ") END";
      case DOUBLE -> "CAST(NULLIF(" + v + ", '') AS DOUBLE)";
      case BOOLEAN -> "CAST(NULLIF(" + v + ", '') AS BOOLEAN)";
      case VARCHAR -> "NULLIF(" + v + ", '')";
    };
  }

  /** An empty relation of the file's typed columns, then extra: a view over no data still has its columns. */
  static String empty(SessionFile f, List<String> extra) {
    List<String> out = new ArrayList<>();
    for (Column c : f.docs) {
      out.add("CAST(NULL AS " + c.type().name() + ") AS " + Sql.ident(c.name()));
    }
    out.addAll(extra);
    return "SELECT " + String.join(", ", out) + " WHERE false";
  }
}
