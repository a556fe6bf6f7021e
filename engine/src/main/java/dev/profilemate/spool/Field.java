package dev.profilemate.spool;

/**
 * A field name looked up once per record type, not once per record: the aggregators read a few
 * fields of each of tens of millions of records, and a lookup by name (hash, probe, compare) was
 * several percent of an export (issue 23). Held as a constant by the reader of the field
 * ({@code static final Field LIFETIME_NS = Field.of("lifetime_ns")}); the same name in several
 * record types has an index per type. Safe to share between threads: a slot is immutable, and
 * two threads that fill the same slot fill it alike.
 */
public final class Field {
  private record Slot(RecordType type, int index) {}

  private final String name;
  /** By record type id; a slot names its type, so a type of another schema looks itself up. */
  private Slot[] slots = new Slot[0];

  private Field(String name) {
    this.name = name.intern();
  }

  public static Field of(String name) {
    return new Field(name);
  }

  public String name() {
    return name;
  }

  /** The field's index in the type's fields, or -1 where the type has no such field. */
  int indexIn(RecordType type) {
    int id = type.id();
    Slot[] s = slots;
    if (id >= 0 && id < s.length) {
      Slot slot = s[id];
      if (slot != null && slot.type() == type) {
        return slot.index();
      }
    }
    int index = type.indexOf(name);
    if (id >= 0 && id < 1 << 12) {
      Slot[] grown = id < s.length ? s.clone() : java.util.Arrays.copyOf(s, id + 1);
      grown[id] = new Slot(type, index);
      slots = grown; // a copy, filled before it is published: a reader never sees a half-made slot
    }
    return index;
  }

  @Override
  public String toString() {
    return name;
  }
}
