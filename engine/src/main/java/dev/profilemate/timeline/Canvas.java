package dev.profilemate.timeline;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the track writers share: the trace, its tracks, the session's zero and the window. Times
 * in are the probe's monotonic nanoseconds; times out are nanoseconds since the session started.
 */
final class Canvas {
  final PerfettoTrace trace;
  final TrackGroups groups;
  final long startNs;
  final Window window;
  /** The latest record time read (relative): where an open slice ends when the records stop. */
  long lastNs;

  Canvas(PerfettoTrace trace, TrackGroups groups, long startNs, Window window) {
    this.trace = trace;
    this.groups = groups;
    this.startNs = startNs;
    this.window = window;
  }

  long rel(long monotonicNs) {
    return monotonicNs - startNs;
  }

  /** Seconds since the session started (the aggregators' rows) to relative nanoseconds. */
  static long ns(double sec) {
    return Math.round(sec * 1e9);
  }

  /** The end of the drawn part: the window's end, or the last record read before it. */
  long endNs() {
    return Math.min(window.toNs(), lastNs);
  }

  /** An IOException from writing, inside a RecordConsumer (which cannot throw it). */
  static UncheckedIOException wrap(IOException e) {
    return new UncheckedIOException(e);
  }
}
