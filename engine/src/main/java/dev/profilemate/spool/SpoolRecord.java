package dev.profilemate.spool;

import java.util.List;

/**
 * One decoded record: its fields in the type's declared order; fields an older writer did not
 * write read as 0, "" or an empty array. Fixed-width fields (i64, i32, u8, f64) are kept unboxed,
 * an f64 as its bits: an export decodes tens of millions of records and a boxed Long or Double per
 * field was most of its garbage (issue 23). {@link #values()} gives them boxed, as before.
 */
public final class SpoolRecord {
  private final RecordType type;
  private final int process;
  private final long tNs;
  /** Fixed-width fields by index (f64 as raw bits); null when made from boxed values. */
  private final long[] fixed;
  /** Variable-width fields by index (String, int[], long[]); every field when fixed is null. */
  private final Object[] values;

  /**
   * A record from boxed values: Long (i64, i32, u8), Double (f64), String (str, text), int[]
   * (i32s) or long[] (i64s), in the type's declared order.
   */
  public SpoolRecord(RecordType type, int process, long tNs, Object[] values) {
    this(type, process, tNs, null, values);
  }

  /** The decoder's: fixed holds every fixed-width field, values (null when there are none) the others. */
  SpoolRecord(RecordType type, int process, long tNs, long[] fixed, Object[] values) {
    this.type = type;
    this.process = process;
    this.tNs = tNs;
    this.fixed = fixed;
    this.values = values;
  }

  public RecordType type() {
    return type;
  }

  public int process() {
    return process;
  }

  public long tNs() {
    return tNs;
  }

  public String name() {
    return type.name();
  }

  /** Every field boxed, in declared order (a copy). */
  public Object[] values() {
    if (fixed == null) {
      return values;
    }
    Object[] all = new Object[fixed.length];
    for (int i = 0; i < all.length; i++) {
      all[i] = boxed(i);
    }
    return all;
  }

  private Object boxed(int i) {
    if (fixed == null) {
      return values[i];
    }
    FieldType t = type.typeArray()[i];
    return t == FieldType.F64 ? (Object) Double.longBitsToDouble(fixed[i]) : t.variable() ? values[i] : (Object) fixed[i];
  }

  public long getLong(String field) {
    return longAt(type.indexOf(field));
  }

  /** As {@link #getLong(String)}, the index looked up once per type (the aggregators' hot path). */
  public long getLong(Field field) {
    return longAt(field.indexIn(type));
  }

  private long longAt(int i) {
    if (i < 0) {
      return 0L;
    }
    if (fixed != null) {
      FieldType t = type.typeArray()[i];
      if (t == FieldType.F64) {
        return (long) Double.longBitsToDouble(fixed[i]);
      }
      if (!t.variable()) {
        return fixed[i];
      }
    }
    return ((Number) values[i]).longValue();
  }

  public int getInt(String field) {
    return (int) getLong(field);
  }

  public int getInt(Field field) {
    return (int) getLong(field);
  }

  public double getDouble(String field) {
    return doubleAt(type.indexOf(field));
  }

  public double getDouble(Field field) {
    return doubleAt(field.indexIn(type));
  }

  private double doubleAt(int i) {
    if (i < 0) {
      return 0.0;
    }
    if (fixed != null) {
      FieldType t = type.typeArray()[i];
      if (t == FieldType.F64) {
        return Double.longBitsToDouble(fixed[i]);
      }
      if (!t.variable()) {
        return fixed[i];
      }
    }
    return ((Number) values[i]).doubleValue();
  }

  public String getString(String field) {
    return stringAt(type.indexOf(field));
  }

  public String getString(Field field) {
    return stringAt(field.indexIn(type));
  }

  private String stringAt(int i) {
    return i < 0 ? "" : (String) boxed(i);
  }

  /** An i64s field (shared, not copied: do not modify). */
  public long[] getLongs(String field) {
    return longsAt(type.indexOf(field));
  }

  public long[] getLongs(Field field) {
    return longsAt(field.indexIn(type));
  }

  private long[] longsAt(int i) {
    return i < 0 ? new long[0] : (long[]) boxed(i);
  }

  /** An i32s field (shared, not copied: do not modify). */
  public int[] getInts(String field) {
    return intsAt(type.indexOf(field));
  }

  public int[] getInts(Field field) {
    return intsAt(field.indexIn(type));
  }

  private int[] intsAt(int i) {
    return i < 0 ? new int[0] : (int[]) boxed(i);
  }

  /**
   * This record on another clock: t_ns and every other time field (a fixed field whose name ends in
   * {@code t_ns}, e.g. scheduler_step_v3's update_t_ns; 0, "none", stays 0) moved by ns. For a
   * process of another node, whose monotonic clock is not the session's (issue 25).
   */
  public SpoolRecord shifted(long ns) {
    if (ns == 0) {
      return this;
    }
    List<String> names = type.fields();
    if (fixed == null) {
      Object[] v = values.clone();
      for (int i = 0; i < Math.min(names.size(), v.length); i++) {
        if (names.get(i).endsWith("t_ns") && v[i] instanceof Long l && l != 0) {
          v[i] = l + ns;
        }
      }
      return new SpoolRecord(type, process, tNs + ns, null, v);
    }
    long[] f = fixed.clone();
    FieldType[] types = type.typeArray();
    for (int i = 0; i < Math.min(names.size(), f.length); i++) {
      if (names.get(i).endsWith("t_ns") && !types[i].variable() && types[i] != FieldType.F64 && f[i] != 0) {
        f[i] += ns;
      }
    }
    return new SpoolRecord(type, process, tNs + ns, f, values);
  }

  @Override
  public String toString() {
    return "SpoolRecord[type=" + type.name() + ", process=" + process + ", tNs=" + tNs + "]";
  }
}
