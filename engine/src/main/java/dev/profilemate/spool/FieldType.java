package dev.profilemate.spool;

/**
 * Field encodings of records.json. Fixed-size fields precede the variable-size ones (str: u16
 * byte length; text: u32 byte length; i32s/i64s: u32 element count) in every record.
 */
public enum FieldType {
  I64(8),
  I32(4),
  F64(8),
  U8(1),
  STR(-1),
  TEXT(-1),
  I32S(4),
  I64S(8);

  /** Bytes of a fixed-size field, or of one element of an array field; -1 for strings. */
  final int size;

  FieldType(int size) {
    this.size = size;
  }

  /** True for the fields after the fixed-size ones: strings and arrays. */
  boolean variable() {
    return ordinal() >= STR.ordinal();
  }

  static FieldType of(String name) {
    return switch (name) {
      case "i64" -> I64;
      case "i32" -> I32;
      case "f64" -> F64;
      case "u8" -> U8;
      case "str" -> STR;
      case "text" -> TEXT;
      case "i32s" -> I32S;
      case "i64s" -> I64S;
      default -> throw new IllegalArgumentException("unknown field type " + name);
    };
  }
}
