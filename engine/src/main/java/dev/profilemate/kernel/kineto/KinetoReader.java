package dev.profilemate.kernel.kineto;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.common.UserDataException;
import dev.profilemate.kernel.Inputs;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.ZipException;

/**
 * Streams a PyTorch profiler (Kineto) Chrome-trace JSON file, plain or gzip-compressed, with
 * Jackson's streaming parser: events are handed on one at a time and never kept as a tree, so
 * memory does not grow with the file. Top-level fields other than {@code traceEvents} are small
 * and read as trees ({@code deviceProperties}, {@code distributedInfo}).
 */
final class KinetoReader {
  /** What the top level of the file holds besides the events. */
  static final class Header {
    JsonNode deviceProperties;
    JsonNode distributedInfo;
    String schemaVersion;
    boolean sawTraceEvents;
  }

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private KinetoReader() {}

  static Header read(Path file, Consumer<KinetoEvent> sink) {
    if (!Files.isRegularFile(file)) {
      throw new UserDataException(file + ": file not found");
    }
    Header h = new Header();
    try (InputStream in = Inputs.open(file); JsonParser p = FACTORY.createParser(in)) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_ARRAY) { // the Chrome trace format also allows a bare array of events
        h.sawTraceEvents = true;
        events(p, sink);
      } else if (t == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken v = p.nextToken();
          switch (field) {
            case "traceEvents" -> {
              if (v != JsonToken.START_ARRAY) {
                throw new UserDataException(file + ": \"traceEvents\" is not an array");
              }
              h.sawTraceEvents = true;
              events(p, sink);
            }
            case "deviceProperties" -> h.deviceProperties = MAPPER.readTree(p);
            case "distributedInfo" -> h.distributedInfo = MAPPER.readTree(p);
            case "schemaVersion" -> h.schemaVersion = p.getValueAsString();
            default -> p.skipChildren();
          }
        }
      } else {
        throw new UserDataException(file + ": not a PyTorch profiler trace (expected a JSON object with traceEvents)");
      }
      if (!h.sawTraceEvents) {
        throw new UserDataException(file + ": not a PyTorch profiler trace (no traceEvents array)");
      }
      return h;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new UserDataException(file + ": malformed JSON" + where + " (" + firstLine(e.getOriginalMessage()) + ")");
    } catch (EOFException | ZipException e) {
      throw new UserDataException(file + ": truncated or corrupt gzip data (" + firstLine(e.getMessage()) + ")");
    } catch (IOException e) {
      throw new UserDataException(file + ": cannot read (" + firstLine(e.getMessage()) + ")");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static void events(JsonParser p, Consumer<KinetoEvent> sink) throws IOException {
    KinetoEvent e = new KinetoEvent();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t == null) {
        throw new EOFException("the events array ends early");
      }
      if (t != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      e.reset();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        JsonToken v = p.nextToken();
        switch (f) {
          case "ph" -> e.ph = p.getValueAsString();
          case "cat" -> e.cat = p.getValueAsString();
          case "name" -> e.name = p.getValueAsString();
          case "pid" -> e.pid = integer(p, v);
          case "tid" -> e.tid = integer(p, v);
          case "ts" -> e.tsNs = microsToNanos(p, v);
          case "dur" -> e.durNs = microsToNanos(p, v);
          case "args" -> args(p, v, e);
          default -> p.skipChildren();
        }
      }
      sink.accept(e);
    }
  }

  private static void args(JsonParser p, JsonToken v, KinetoEvent e) throws IOException {
    if (v != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken a = p.nextToken();
      switch (f) {
        case "correlation" -> e.correlation = integer(p, a);
        case "device" -> e.device = integer(p, a);
        case "stream" -> e.stream = integer(p, a);
        case "bytes" -> e.bytes = integer(p, a);
        case "graph id", "graph node id", "graphId" -> {
          e.graphArg = a != JsonToken.VALUE_NULL;
          p.skipChildren();
        }
        default -> p.skipChildren();
      }
    }
  }

  private static long integer(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_NUMBER_INT) {
      return p.getLongValue();
    }
    if (v == JsonToken.VALUE_NUMBER_FLOAT) {
      return (long) p.getDoubleValue();
    }
    if (v == JsonToken.VALUE_STRING) {
      try {
        return Long.parseLong(p.getText().strip());
      } catch (NumberFormatException ex) {
        return KinetoEvent.NONE;
      }
    }
    p.skipChildren();
    return KinetoEvent.NONE;
  }

  /** Microseconds, as written (e.g. {@code 5091905164759.913}), to integer nanoseconds without float rounding. */
  static long microsToNanos(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_NUMBER_INT) {
      return p.getLongValue() * 1000;
    }
    if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_STRING) {
      p.skipChildren();
      return KinetoEvent.NONE;
    }
    return microsToNanos(p.getText());
  }

  static long microsToNanos(String s) {
    s = s.strip();
    int dot = s.indexOf('.');
    boolean plain = s.indexOf('e') < 0 && s.indexOf('E') < 0 && !s.isEmpty();
    try {
      if (plain && dot < 0) {
        return Long.parseLong(s) * 1000;
      }
      if (plain && dot > 0 && s.length() - dot - 1 <= 3 && s.charAt(0) != '-') {
        long whole = Long.parseLong(s.substring(0, dot));
        String frac = s.substring(dot + 1);
        long f = frac.isEmpty() ? 0 : Long.parseLong(frac);
        for (int i = frac.length(); i < 3; i++) {
          f *= 10;
        }
        return whole * 1000 + f;
      }
      return new BigDecimal(s).movePointRight(3).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      return KinetoEvent.NONE;
    }
  }
}
