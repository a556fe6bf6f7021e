package dev.profilemate.query;

/** Quoting for the SQL the engine builds: names and paths come from the user's files, so none is pasted raw. */
final class Sql {
  private Sql() {}

  /** A string literal: 'it''s'. */
  static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** An identifier: "name" (a column called "count" or "unit" is fine). */
  static String ident(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
