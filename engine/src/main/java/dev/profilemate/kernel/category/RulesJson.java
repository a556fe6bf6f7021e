package dev.profilemate.kernel.category;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a small JSON document of objects, arrays, strings, numbers and booleans into plain Java
 * maps and lists with Jackson's streaming parser. Used for the rules and peak tables, where
 * starting Jackson's object mapper would cost more CPU at start-up than the whole lookup.
 */
public final class RulesJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private RulesJson() {}

  public static Object read(InputStream in) throws IOException {
    try (JsonParser p = FACTORY.createParser(in)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IOException("empty document");
      }
      Object v = value(p, t);
      if (p.nextToken() != null) {
        throw new IOException("trailing content after the JSON value");
      }
      return v;
    }
  }

  private static Object value(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String k = p.currentName();
          m.put(k, value(p, p.nextToken()));
        }
        yield m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        JsonToken x;
        while ((x = p.nextToken()) != JsonToken.END_ARRAY) {
          l.add(value(p, x));
        }
        yield l;
      }
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected " + t);
    };
  }
}
