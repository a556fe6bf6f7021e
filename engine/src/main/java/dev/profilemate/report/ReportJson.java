package dev.profilemate.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The report's data island: the session style of JSON (snake_case, sorted keys, numbers rounded
 * to six places, NaN as null) with {@code <}, {@code >}, {@code &} and U+2028/U+2029 written as
 * \\u escapes, so no string in it can end the {@code <script>} element that holds it.
 */
final class ReportJson {
  private static final ObjectWriter WRITER = build();

  private ReportJson() {}

  static String write(Object value) {
    try {
      return WRITER.writeValueAsString(value) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectWriter build() {
    SimpleModule numbers = new SimpleModule();
    numbers.addSerializer(Double.class, new Rounded());
    numbers.addSerializer(double.class, new Rounded());
    numbers.addSerializer(double[].class, new RoundedArray());
    return JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
        .addModule(numbers)
        .build()
        .writer()
        .with(new HtmlSafe())
        // objects one key a line; arrays (chart series) on one line, so long series stay compact
        .with(new DefaultPrettyPrinter().withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance));
  }

  static BigDecimal round(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return null;
    }
    BigDecimal d = BigDecimal.valueOf(v).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros();
    return d.signum() == 0 ? BigDecimal.ZERO : d;
  }

  private static void number(JsonGenerator g, double v) throws IOException {
    BigDecimal d = round(v);
    if (d == null) {
      g.writeNull();
    } else {
      g.writeNumber(d);
    }
  }

  private static final class Rounded extends StdSerializer<Double> {
    Rounded() {
      super(Double.class);
    }

    @Override
    public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
      number(g, v);
    }
  }

  private static final class RoundedArray extends StdSerializer<double[]> {
    RoundedArray() {
      super(double[].class);
    }

    @Override
    public void serialize(double[] v, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeStartArray(v, v.length);
      for (double d : v) {
        number(g, d);
      }
      g.writeEndArray();
    }
  }

  private static final class HtmlSafe extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii = standardAsciiEscapesForJSON();

    HtmlSafe() {
      ascii['<'] = ESCAPE_STANDARD;
      ascii['>'] = ESCAPE_STANDARD;
      ascii['&'] = ESCAPE_STANDARD;
      ascii['\''] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return switch (ch) {
        case 0x2028 -> new SerializedString("\\u2028");
        case 0x2029 -> new SerializedString("\\u2029");
        default -> null;
      };
    }
  }
}
