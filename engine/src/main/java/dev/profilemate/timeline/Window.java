package dev.profilemate.timeline;

/**
 * The part of the session a trace shows, in nanoseconds since the session started: a slice, instant
 * or counter value is written when it starts inside [fromNs, toNs). Records before it are still
 * read (a request's or a scheduler's state builds up from the start), only not drawn.
 */
record Window(long fromNs, long toNs) {
  static final Window ALL = new Window(0, Long.MAX_VALUE);

  static Window seconds(Double from, Double to) {
    return new Window(from == null ? 0 : Math.round(from * 1e9), to == null ? Long.MAX_VALUE : Math.round(to * 1e9));
  }

  boolean contains(long tsNs) {
    return tsNs >= fromNs && tsNs < toNs;
  }
}
