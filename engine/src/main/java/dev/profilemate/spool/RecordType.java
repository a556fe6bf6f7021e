package dev.profilemate.spool;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One declared record type: id, name and fields in declared order. Names are interned: the
 * aggregators ask for fields by literal name once per record, and an identity scan over a dozen
 * names costs a few compares where a hash lookup cost 9 % of an export (issue 23).
 */
public final class RecordType {
  private final int id;
  private final String name;
  private final List<String> fields;
  private final List<FieldType> types;
  private final String[] names;
  private final FieldType[] typeArray;
  private final Map<String, Integer> index;

  public RecordType(int id, String name, List<String> fields, List<FieldType> types) {
    this.id = id;
    this.name = name.intern();
    this.fields = fields.stream().map(String::intern).toList();
    this.types = List.copyOf(types);
    this.names = this.fields.toArray(String[]::new);
    this.typeArray = this.types.toArray(FieldType[]::new);
    this.index = Map.copyOf(positions(this.fields));
  }

  private static Map<String, Integer> positions(List<String> fields) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = fields.size() - 1; i >= 0; i--) {
      m.put(fields.get(i), i); // the first of a repeated name wins, as List.indexOf did
    }
    return m;
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

  /** Index of a field, or -1 when this (older) schema does not know it. */
  public int indexOf(String field) {
    for (int i = 0; i < names.length; i++) {
      if (names[i] == field) { // a literal, or any interned name: the first of a repeated name wins
        return i;
      }
    }
    Integer i = index.get(field); // a name built at run time
    return i == null ? -1 : i;
  }

  @Override
  public String toString() {
    return "RecordType[id=" + id + ", name=" + name + ", fields=" + fields + ", types=" + types + "]";
  }
}
