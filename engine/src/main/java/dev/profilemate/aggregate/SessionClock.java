package dev.profilemate.aggregate;

/** Converts the probe's monotonic nanoseconds to seconds since the session started. */
public record SessionClock(long startNs) implements java.io.Serializable {
  public double sec(long tNs) {
    return (tNs - startNs) / 1e9;
  }

  public static double seconds(long ns) {
    return ns / 1e9;
  }

  public static double millis(long ns) {
    return ns / 1e6;
  }
}
