package dev.profilemate.query;

import dev.profilemate.common.UserDataException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * An in-memory DuckDB for one command. Extensions are neither downloaded nor auto-loaded: Parquet,
 * CSV and JSON are built into the library in the jar, and a profiler must not reach the network
 * because a query named an extension's function.
 */
final class DuckDb {
  private DuckDb() {}

  static Connection open() {
    try {
      Connection c = DriverManager.getConnection("jdbc:duckdb:");
      try (Statement s = c.createStatement()) {
        s.execute("SET autoinstall_known_extensions = false");
        s.execute("SET autoload_known_extensions = false");
      }
      return c;
    } catch (SQLException | UnsatisfiedLinkError e) {
      // DuckDB's native library is in the jar for Linux x86-64 and arm64 only (engine/pom.xml)
      throw new UserDataException("cannot start DuckDB on " + System.getProperty("os.name") + " "
          + System.getProperty("os.arch") + " (" + firstLine(e.getMessage())
          + "); Parquet and query need Linux x86-64 or arm64", e);
    }
  }

  /** DuckDB's messages run over several lines (a caret under the SQL); the first says what is wrong. */
  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl).strip();
  }
}
