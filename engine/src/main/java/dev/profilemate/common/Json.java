package dev.profilemate.common;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;

/**
 * The one JSON style of session files: snake_case names in sorted order, doubles rounded to
 * six places and written plainly, NaN as null, two-space indent, trailing newline.
 */
public final class Json {
  private static final ObjectMapper MAPPER = build();

  private Json() {}

  private static ObjectMapper build() {
    SimpleModule numbers = new SimpleModule();
    numbers.addSerializer(Double.class, new RoundedDouble());
    numbers.addSerializer(double.class, new RoundedDouble());
    return JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .enable(SerializationFeature.INDENT_OUTPUT)
        .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
        .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
        .addModule(numbers)
        .build();
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static void write(OutputStream out, Object value) throws IOException {
    MAPPER.writeValue(out, value);
    out.write('\n');
  }

  private static final class RoundedDouble extends StdSerializer<Double> {
    RoundedDouble() {
      super(Double.class);
    }

    @Override
    public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
      BigDecimal d = Fmt.json(v, 6);
      if (d == null) {
        g.writeNull();
      } else {
        g.writeNumber(d);
      }
    }
  }
}
