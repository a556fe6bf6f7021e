package dev.profilemate.spool;

import java.util.List;

/**
 * One declared record type: id, name and fields in declared order. The aggregators ask for fields
 * by name several times per record: an open-addressed table of the names (interned, so a literal
 * matches by identity) costs a probe or two where a Map lookup cost 9 % of an export (issue 23).
 */
public final class RecordType {
  private final int id;
  private final String name;
  private final List<String> fields;
  private final List<FieldType> types;
  /** Field names by slot (hash & mask, then the next free slot), and their indexes. */
  private final String[] slots;
  private final int[] slotIndex;
  private final int mask;
  private final FieldType[] typeArray;

  public RecordType(int id, String name, List<String> fields, List<FieldType> types) {
    this.id = id;
    this.name = name.intern();
    this.fields = fields.stream().map(String::intern).toList();
    this.types = List.copyOf(types);
    int size = Integer.highestOneBit(Math.max(1, this.fields.size()) * 4 - 1) << 1;
    this.slots = new String[size];
    this.slotIndex = new int[size];
    this.mask = size - 1;
    for (int i = 0; i < this.fields.size(); i++) {
      String f = this.fields.get(i);
      int slot = slot(f);
      while (slots[slot] != null && !slots[slot].equals(f)) {
        slot = (slot + 1) & mask;
      }
      if (slots[slot] == null) { // the first of a repeated name wins, as List.indexOf did
        slots[slot] = f;
        slotIndex[slot] = i;
      }
    }
    this.typeArray = this.types.toArray(FieldType[]::new);
  }

  public int id() {
    return id;
  }

  public String name() {
    return name;
  }

  public List<String> fields() {
    return fields;
  }

  public List<FieldType> types() {
    return types;
  }

  /** The field types as an array, for the decoder's loop. */
  FieldType[] typeArray() {
    return typeArray;
  }

  /** Where a name's search starts: its hash's high bits mixed in (names alike differ at the end). */
  private int slot(String field) {
    int h = field.hashCode() * 0x9E3779B9;
    return (h ^ (h >>> 16)) & mask;
  }

  /** Index of a field, or -1 when this (older) schema does not know it. */
  public int indexOf(String field) {
    int slot = slot(field);
    for (String k; (k = slots[slot]) != null; slot = (slot + 1) & mask) {
      if (k == field || k.equals(field)) {
        return slotIndex[slot];
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return "RecordType[id=" + id + ", name=" + name + ", fields=" + fields + ", types=" + types + "]";
  }
}
