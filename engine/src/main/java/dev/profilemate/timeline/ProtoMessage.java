package dev.profilemate.timeline;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A protobuf message being encoded: varints, fixed64, strings and nested messages, the wire format
 * only. Perfetto's trace is a handful of message types of which we write a few fields each; a
 * hand encoder of the wire format keeps the engine jar (and the wheel) free of protobuf-java and
 * its generated classes. Field numbers are those of perfetto_trace.proto (see {@link PerfettoTrace}).
 */
final class ProtoMessage {
  private byte[] buf = new byte[64];
  private int len;

  /** uint64/int64/int32/enum/bool: a negative value takes ten bytes, as protobuf writes an int64. */
  ProtoMessage varint(int field, long value) {
    tag(field, 0);
    raw(value);
    return this;
  }

  ProtoMessage f64(int field, double value) {
    tag(field, 1);
    long bits = Double.doubleToLongBits(value);
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[len++] = (byte) (bits >>> (8 * i));
    }
    return this;
  }

  ProtoMessage string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8), -1);
  }

  ProtoMessage message(int field, ProtoMessage m) {
    return bytes(field, m.buf, m.len);
  }

  private ProtoMessage bytes(int field, byte[] b, int n) {
    int count = n < 0 ? b.length : n;
    tag(field, 2);
    raw(count);
    ensure(count);
    System.arraycopy(b, 0, buf, len, count);
    len += count;
    return this;
  }

  private void tag(int field, int wireType) {
    raw(((long) field << 3) | wireType);
  }

  private void raw(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[len++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[len++] = (byte) v;
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }

  int size() {
    return len;
  }

  /** This message as field `field` of an enclosing message written straight to out. */
  void writeAsField(OutputStream out, int field) throws IOException {
    ProtoMessage head = new ProtoMessage();
    head.tag(field, 2);
    head.raw(len);
    out.write(head.buf, 0, head.len);
    out.write(buf, 0, len);
  }
}
