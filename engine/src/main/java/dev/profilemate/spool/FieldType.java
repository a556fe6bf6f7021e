package dev.profilemate.spool;

/** Field encodings of records.json. Fixed-size fields precede strings in every record. */
public enum FieldType {
  I64(8),
  I32(4),
  F64(8),
  U8(1),
  STR(-1);

  final int size;

  FieldType(int size) {
    this.size = size;
  }

  static FieldType of(String name) {
    return switch (name) {
      case "i64" -> I64;
      case "i32" -> I32;
      case "f64" -> F64;
      case "u8" -> U8;
      case "str" -> STR;
      default -> throw new IllegalArgumentException("unknown field type " + name);
    };
  }
}
