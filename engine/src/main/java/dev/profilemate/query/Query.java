package dev.profilemate.query;

import dev.profilemate.common.UserDataException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** profilemate query: the views over the given sessions and datasets, then the user's SQL, its answer printed. */
public final class Query {
  private Query() {}

  /** DuckDB's kinds of error that mean the SQL itself is wrong, not the files under it. */
  private static final java.util.regex.Pattern SQL_ERRORS =
      java.util.regex.Pattern.compile("(Parser|Binder|Catalog|Syntax|Not implemented|Permission) Error");

  /** The user's SQL failed (a typo, an unknown column): the message is DuckDB's first line and the views. */
  public static final class BadSql extends RuntimeException {
    BadSql(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Runs sql over the inputs; bad inputs are thrown as one UserDataException after each is given to problems. */
  public static long run(String sql, List<Path> inputs, QueryOutput format, PrintStream out,
      java.util.function.Consumer<String> problems) {
    Sources in = Sources.of(inputs);
    in.refuseProblems(problems, "queried");
    try (Connection db = DuckDb.open()) {
      List<String> views;
      try {
        views = QueryViews.create(db, in);
      } catch (SQLException e) {
        throw new UserDataException("cannot read the inputs (" + DuckDb.firstLine(e.getMessage()) + ")", e);
      }
      try (Statement st = db.createStatement()) {
        if (!st.execute(sql)) {
          return 0; // a statement without rows (SET, CREATE VIEW …): nothing to print
        }
        try (ResultSet r = st.getResultSet()) {
          return format.write(r, out);
        }
      } catch (SQLException e) {
        String msg = DuckDb.firstLine(e.getMessage());
        if (SQL_ERRORS.matcher(msg).lookingAt()) {
          throw new BadSql(msg + " (views: " + String.join(", ", views) + ")", e);
        }
        throw new UserDataException("the query failed on the data: " + msg, e); // e.g. a cell that is not its type
      }
    } catch (SQLException e) {
      throw new UserDataException("DuckDB: " + DuckDb.firstLine(e.getMessage()), e);
    }
  }
}
