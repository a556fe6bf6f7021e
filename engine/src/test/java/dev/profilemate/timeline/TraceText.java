package dev.profilemate.timeline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Perfetto trace as text, one packet a line, fields by perfetto_trace.proto's names: the golden
 * file's form, readable in a diff. A reader of the wire format that knows which fields of the
 * messages we write are messages, doubles or strings; any other field shows as its number, so
 * nothing written goes unseen.
 */
final class TraceText {
  private TraceText() {}

  /** message name -> field number -> (field name, kind: m:Message, d double, s string, v varint). */
  private static final Map<String, Map<Integer, String[]>> SCHEMA = Map.of(
      "Trace", Map.of(1, new String[] {"packet", "m:TracePacket"}),
      "TracePacket", Map.of(8, new String[] {"ts", "v"}, 10, new String[] {"seq", "v"},
          13, new String[] {"flags", "v"}, 11, new String[] {"event", "m:TrackEvent"},
          60, new String[] {"track", "m:TrackDescriptor"}),
      "TrackDescriptor", Map.of(1, new String[] {"uuid", "v"}, 2, new String[] {"name", "s"},
          3, new String[] {"process", "m:ProcessDescriptor"}, 5, new String[] {"parent", "v"},
          8, new String[] {"counter", "m:CounterDescriptor"}, 11, new String[] {"child_ordering", "v"},
          12, new String[] {"rank", "v"}, 14, new String[] {"description", "s"}),
      "ProcessDescriptor", Map.of(1, new String[] {"pid", "v"}, 6, new String[] {"name", "s"},
          8, new String[] {"label", "s"}),
      "CounterDescriptor", Map.of(6, new String[] {"unit", "s"}),
      "TrackEvent", Map.of(9, new String[] {"type", "v"}, 11, new String[] {"track", "v"},
          23, new String[] {"name", "s"}, 44, new String[] {"value", "d"}, 4, new String[] {"arg", "m:DebugAnnotation"}),
      "DebugAnnotation", Map.of(10, new String[] {"name", "s"}, 4, new String[] {"int", "v"},
          5, new String[] {"double", "d"}, 6, new String[] {"string", "s"}));

  /** One line per packet. */
  static List<String> lines(byte[] trace) {
    List<String> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(trace).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      long key = varint(b);
      if (key != (1 << 3 | 2)) {
        throw new AssertionError("not a Trace.packet at " + b.position());
      }
      int len = (int) varint(b);
      out.add(message("TracePacket", b.slice(b.position(), len).order(ByteOrder.LITTLE_ENDIAN)));
      b.position(b.position() + len);
    }
    return out;
  }

  private static String message(String type, ByteBuffer b) {
    StringBuilder s = new StringBuilder();
    Map<Integer, String[]> fields = SCHEMA.getOrDefault(type, Map.of());
    while (b.hasRemaining()) {
      long key = varint(b);
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      String[] f = fields.getOrDefault(field, new String[] {"#" + field, wire == 1 ? "d" : wire == 2 ? "s" : "v"});
      if (!s.isEmpty()) {
        s.append(' ');
      }
      s.append(f[0]).append('=');
      switch (wire) {
        case 0 -> {
          long v = varint(b);
          s.append(type.equals("TrackEvent") && field == 9 ? typeName(v) : Long.toString(v));
        }
        case 1 -> s.append(b.getDouble());
        case 2 -> {
          int len = (int) varint(b);
          ByteBuffer sub = b.slice(b.position(), len).order(ByteOrder.LITTLE_ENDIAN);
          b.position(b.position() + len);
          if (f[1].startsWith("m:")) {
            s.append('{').append(message(f[1].substring(2), sub)).append('}');
          } else {
            byte[] bytes = new byte[len];
            sub.get(bytes);
            s.append('"').append(new String(bytes, StandardCharsets.UTF_8)).append('"');
          }
        }
        default -> throw new AssertionError("wire type " + wire + " in " + type);
      }
    }
    return s.toString();
  }

  private static String typeName(long v) {
    return switch ((int) v) {
      case 1 -> "begin";
      case 2 -> "end";
      case 3 -> "instant";
      case 4 -> "counter";
      default -> Long.toString(v);
    };
  }

  private static long varint(ByteBuffer b) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      byte x = b.get();
      v |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        return v;
      }
    }
  }
}
