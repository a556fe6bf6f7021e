package dev.profilemate.spool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The record layout the probe writes, loaded from the same records.json the probe packs from. */
public final class RecordSchema {
  private static final String RESOURCE = "/profilemate/spool/records.json";
  private static final RecordSchema BUNDLED = load();

  private final int version;
  private final Map<Integer, RecordType> byId;
  /** byId as an array for small ids (all of them): looked up once per record read. */
  private final RecordType[] byIdArray;
  private final Map<String, RecordType> byName;
  private final Map<String, Map<Long, String>> enums;

  private RecordSchema(int version, List<RecordType> types, Map<String, Map<Long, String>> enums) {
    this.version = version;
    this.enums = Map.copyOf(enums);
    Map<Integer, RecordType> ids = new HashMap<>();
    Map<String, RecordType> names = new HashMap<>();
    for (RecordType t : types) {
      ids.put(t.id(), t);
      names.put(t.name(), t);
    }
    this.byId = Map.copyOf(ids);
    int max = ids.keySet().stream().filter(i -> i >= 0 && i < 1 << 16).mapToInt(i -> i).max().orElse(-1);
    this.byIdArray = new RecordType[max + 1];
    ids.forEach((i, t) -> {
      if (i >= 0 && i <= max) {
        byIdArray[i] = t;
      }
    });
    this.byName = Map.copyOf(names);
  }

  public static RecordSchema bundled() {
    return BUNDLED;
  }

  private static RecordSchema load() {
    try (InputStream in = RecordSchema.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      JsonNode doc = new ObjectMapper().readTree(in);
      List<RecordType> types = new ArrayList<>();
      for (JsonNode r : doc.get("records")) {
        List<String> fields = new ArrayList<>();
        List<FieldType> kinds = new ArrayList<>();
        for (JsonNode f : r.get("fields")) {
          fields.add(f.get(0).asText());
          kinds.add(FieldType.of(f.get(1).asText()));
        }
        types.add(new RecordType(r.get("id").asInt(), r.get("name").asText(), fields, kinds));
      }
      Map<String, Map<Long, String>> enums = new HashMap<>();
      doc.path("enums")
          .properties()
          .forEach(
              e -> {
                Map<Long, String> values = new HashMap<>();
                e.getValue().properties().forEach(v -> values.put(Long.parseLong(v.getKey()), v.getValue().asText()));
                enums.put(e.getKey(), Map.copyOf(values));
              });
      return new RecordSchema(doc.get("version").asInt(), types, enums);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int version() {
    return version;
  }

  /** The type for an id, or null for a type this engine does not know (skipped by size). */
  public RecordType byId(int id) {
    return id >= 0 && id < byIdArray.length ? byIdArray[id] : byId.get(id);
  }

  /** The name of an enumerated field value ("request_event.event", 3 -> "preempted"). */
  public String enumName(String field, long value) {
    return enums.getOrDefault(field, Map.of()).getOrDefault(value, Long.toString(value));
  }

  public RecordType byName(String name) {
    RecordType t = byName.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no record type " + name);
    }
    return t;
  }
}
