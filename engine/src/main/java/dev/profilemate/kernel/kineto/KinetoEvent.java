package dev.profilemate.kernel.kineto;

/**
 * One Chrome-trace event as the reader hands it on; the same instance is reused for every event.
 * Times are nanoseconds ({@code ts}, {@code dur} are microseconds in the file, converted exactly
 * from their decimal text). Unset numbers are {@link #NONE}.
 */
final class KinetoEvent {
  static final long NONE = Long.MIN_VALUE;

  String ph;
  String cat;
  String name;
  long pid;
  long tid;
  long tsNs;
  long durNs;
  long correlation;
  long device;
  long stream;
  long bytes;
  boolean graphArg;

  void reset() {
    ph = null;
    cat = null;
    name = null;
    pid = NONE;
    tid = NONE;
    tsNs = NONE;
    durNs = NONE;
    correlation = NONE;
    device = NONE;
    stream = NONE;
    bytes = NONE;
    graphArg = false;
  }
}
