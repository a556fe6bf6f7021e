package dev.profilemate.spool;

/**
 * One decoded record. Values are Long (i64, i32, u8), Double (f64), String (str, text), int[]
 * (i32s) or long[] (i64s), in the type's declared order; fields an older writer did not write
 * read as 0, "" or an empty array.
 */
public record SpoolRecord(RecordType type, int process, long tNs, Object[] values) {

  public String name() {
    return type.name();
  }

  public long getLong(String field) {
    int i = type.indexOf(field);
    return i < 0 ? 0L : ((Number) values[i]).longValue();
  }

  public int getInt(String field) {
    return (int) getLong(field);
  }

  public double getDouble(String field) {
    int i = type.indexOf(field);
    return i < 0 ? 0.0 : ((Number) values[i]).doubleValue();
  }

  public String getString(String field) {
    int i = type.indexOf(field);
    return i < 0 ? "" : (String) values[i];
  }

  /** An i64s field (shared, not copied: do not modify). */
  public long[] getLongs(String field) {
    int i = type.indexOf(field);
    return i < 0 ? new long[0] : (long[]) values[i];
  }

  /** An i32s field (shared, not copied: do not modify). */
  public int[] getInts(String field) {
    int i = type.indexOf(field);
    return i < 0 ? new int[0] : (int[]) values[i];
  }
}
