package dev.profilemate.spool;

import java.util.List;

/** One declared record type: id, name and fields in declared order. */
public record RecordType(int id, String name, List<String> fields, List<FieldType> types) {
  public RecordType {
    fields = List.copyOf(fields);
    types = List.copyOf(types);
  }

  /** Index of a field, or -1 when this (older) schema does not know it. */
  public int indexOf(String field) {
    return fields.indexOf(field);
  }
}
