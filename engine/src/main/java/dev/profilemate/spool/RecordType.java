package dev.profilemate.spool;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One declared record type: id, name and fields in declared order. */
public record RecordType(int id, String name, List<String> fields, List<FieldType> types, Map<String, Integer> index) {
  public RecordType {
    fields = List.copyOf(fields);
    types = List.copyOf(types);
    index = Map.copyOf(index);
  }

  public RecordType(int id, String name, List<String> fields, List<FieldType> types) {
    this(id, name, fields, types, positions(fields));
  }

  private static Map<String, Integer> positions(List<String> fields) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = fields.size() - 1; i >= 0; i--) {
      m.put(fields.get(i), i); // the first of a repeated name wins, as List.indexOf did
    }
    return m;
  }

  /** Index of a field, or -1 when this (older) schema does not know it (a hash lookup: called per record). */
  public int indexOf(String field) {
    Integer i = index.get(field);
    return i == null ? -1 : i;
  }
}
