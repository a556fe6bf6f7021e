package dev.profilemate.export;

/**
 * One column of a session CSV, or one key of a session JSON/text file, as docs/session-files.md
 * describes it. The writers take the header from these names, so a column cannot be written
 * without its description.
 *
 * @param unit what a value is measured in ("s", "ms", "%", "tokens", ...), or what kind of value
 * @param meaning what the value says, in the vLLM user's words
 * @param how how it is computed, from which spool record fields
 * @param caveat what to watch for when reading it; "" when nothing
 * @param type its SQL type in the Parquet export and `query` (from the unit unless given); null for JSON keys
 */
public record Column(String name, String unit, String meaning, String how, String caveat, ColumnType type) {
  /** The unit of a timing-statistics object: count, total_ms, mean_ms, min_ms, p50_ms, p95_ms, p99_ms, max_ms. */
  public static final String STATS = "timing statistics";
  /** The unit of a nested object described in prose (vLLM's or the probe's own settings). */
  public static final String OPAQUE = "object";

  public Column(String name, String unit, String meaning, String how, String caveat) {
    this(name, unit, meaning, how, caveat, ColumnType.ofUnit(unit));
  }

  /** This column with another SQL type: for a unit that does not say (an "id" that is text). */
  Column typed(ColumnType t) {
    return new Column(name, unit, meaning, how, caveat, t);
  }

  public Column {
    if (name.isBlank() || unit.isBlank() || meaning.isBlank() || how.isBlank()) {
      throw new IllegalArgumentException("column " + name + ": name, unit, meaning and how are required");
    }
  }

  static Column col(String name, String unit, String meaning, String how) {
    return new Column(name, unit, meaning, how, "");
  }

  static Column col(String name, String unit, String meaning, String how, String caveat) {
    return new Column(name, unit, meaning, how, caveat);
  }
}
