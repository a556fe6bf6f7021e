package dev.profilemate.export;

import java.util.Map;

/**
 * The SQL type of a session CSV column, as the Parquet export writes it and `query` reads it: the
 * CSV text itself has no types, so the schema says them once, here, from each column's unit (a
 * column whose unit does not say, like an "id" that is text, names its type in {@link SessionFile}).
 * An empty cell is NULL in every type; in a BIGINT column so is "None" (Python's unset value, e.g.
 * BatchDescriptor.num_reqs).
 */
public enum ColumnType {
  BIGINT, DOUBLE, BOOLEAN, VARCHAR;

  private static final Map<String, ColumnType> BY_UNIT = Map.ofEntries(
      Map.entry("s", DOUBLE), Map.entry("ms", DOUBLE), Map.entry("%", DOUBLE), Map.entry("ratio", DOUBLE),
      Map.entry("weight", DOUBLE), Map.entry("tokens/s", DOUBLE), Map.entry("unit", DOUBLE),
      Map.entry("blocks", BIGINT), Map.entry("count", BIGINT), Map.entry("experts", BIGINT),
      Map.entry("groups", BIGINT), Map.entry("index", BIGINT), Map.entry("requests", BIGINT),
      Map.entry("tokens", BIGINT), Map.entry("token assignments", BIGINT), Map.entry("id", BIGINT),
      Map.entry("rank", BIGINT),
      Map.entry("True/False", BOOLEAN),
      Map.entry("text", VARCHAR), Map.entry("hex", VARCHAR));

  /**
   * The type a unit implies; null for a unit this table does not know (a JSON key's "object", or a
   * new CSV unit: SessionFilesDocTest fails until it is added here, so no column is typed by guess).
   */
  static ColumnType ofUnit(String unit) {
    return BY_UNIT.get(unit);
  }
}
