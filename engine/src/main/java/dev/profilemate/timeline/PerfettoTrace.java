package dev.profilemate.timeline;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a Perfetto trace (perfetto_trace.proto: Trace → TracePacket → TrackDescriptor / TrackEvent)
 * packet by packet to a stream: tracks first declared by a descriptor, then slice begin/end,
 * instant and counter events on them. Timestamps are nanoseconds since the session started, on
 * Perfetto's default trace clock; one packet sequence, no interning (each event names itself), so
 * a packet reads alone. Events count toward {@link #events()}, which the caller bounds.
 *
 * <p>Field numbers: Trace.packet 1; TracePacket timestamp 8, trusted_packet_sequence_id 10,
 * sequence_flags 13, track_event 11, track_descriptor 60; TrackDescriptor uuid 1, name 2, process 3,
 * parent_uuid 5, counter 8, child_ordering 11, sibling_order_rank 12, description 14;
 * ProcessDescriptor pid 1, process_name 6, process_labels 8; CounterDescriptor unit_name 6;
 * TrackEvent debug_annotations 4, type 9, track_uuid 11, name 23, double_counter_value 44;
 * DebugAnnotation int_value 4, double_value 5, string_value 6, name 10.
 */
final class PerfettoTrace {
  static final int SLICE_BEGIN = 1;
  static final int SLICE_END = 2;
  static final int INSTANT = 3;
  static final int COUNTER = 4;
  private static final int SEQUENCE = 1;
  private static final int CHILD_ORDERING_EXPLICIT = 3;

  private final OutputStream descriptors;
  private final OutputStream out;
  private long events;
  private boolean first = true;

  /** descriptors: where track descriptors go (written before the events, so a reader knows every track first). */
  PerfettoTrace(OutputStream descriptors, OutputStream events) {
    this.descriptors = descriptors;
    this.out = events;
  }

  long events() {
    return events;
  }

  /** A process's track group: pid and a name; its child tracks keep the order of their ranks. */
  void process(long uuid, long pid, String name, String... labels) throws IOException {
    ProtoMessage p = new ProtoMessage().varint(1, pid).string(6, name);
    for (String l : labels) {
      p.string(8, l);
    }
    packet(new ProtoMessage().varint(1, uuid).string(2, name).message(3, p)
        .varint(11, CHILD_ORDERING_EXPLICIT));
  }

  /** A slice track under parent; rank orders it among its siblings. */
  void track(long uuid, long parent, String name, int rank, String description) throws IOException {
    ProtoMessage d = new ProtoMessage().varint(1, uuid).string(2, name).varint(5, parent).varint(12, rank);
    if (description != null) {
      d.string(14, description);
    }
    packet(d);
  }

  /** A counter track under parent (values are doubles in unit). */
  void counterTrack(long uuid, long parent, String name, int rank, String unit) throws IOException {
    packet(new ProtoMessage().varint(1, uuid).string(2, name).varint(5, parent).varint(12, rank)
        .message(8, new ProtoMessage().string(6, unit)));
  }

  void begin(long track, long tsNs, String name, Args args) throws IOException {
    event(track, tsNs, SLICE_BEGIN, name, args);
  }

  void end(long track, long tsNs) throws IOException {
    event(track, tsNs, SLICE_END, null, null);
  }

  void instant(long track, long tsNs, String name, Args args) throws IOException {
    event(track, tsNs, INSTANT, name, args);
  }

  void counter(long track, long tsNs, double value) throws IOException {
    ProtoMessage e = new ProtoMessage().varint(9, COUNTER).varint(11, track).f64(44, value);
    timed(tsNs, e);
  }

  private void event(long track, long tsNs, int type, String name, Args args) throws IOException {
    ProtoMessage e = new ProtoMessage().varint(9, type).varint(11, track);
    if (name != null) {
      e.string(23, name);
    }
    if (args != null) {
      args.into(e);
    }
    timed(tsNs, e);
  }

  private void timed(long tsNs, ProtoMessage event) throws IOException {
    events++;
    ProtoMessage p = new ProtoMessage().varint(8, Math.max(0, tsNs)).varint(10, SEQUENCE).message(11, event);
    p.writeAsField(out, 1);
  }

  private void packet(ProtoMessage descriptor) throws IOException {
    ProtoMessage p = new ProtoMessage().varint(10, SEQUENCE);
    if (first) {
      p.varint(13, 1); // SEQ_INCREMENTAL_STATE_CLEARED: the sequence starts here
      first = false;
    }
    p.message(60, descriptor);
    p.writeAsField(descriptors, 1);
  }

  /** Debug annotations of one event, in the order added (Perfetto shows them as the slice's args). */
  static final class Args {
    private final ProtoMessage[] items = new ProtoMessage[24];
    private int n;

    Args put(String name, long value) {
      items[n++] = new ProtoMessage().string(10, name).varint(4, value);
      return this;
    }

    Args put(String name, double value) {
      items[n++] = new ProtoMessage().string(10, name).f64(5, value);
      return this;
    }

    Args put(String name, String value) {
      items[n++] = new ProtoMessage().string(10, name).string(6, value);
      return this;
    }

    void into(ProtoMessage event) {
      for (int i = 0; i < n; i++) {
        event.message(4, items[i]);
      }
    }
  }
}
