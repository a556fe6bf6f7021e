package dev.profilemate.report;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The session's start as people read it: local date and time to the second, with the zone
 * ("2026-12-05 18:10:21 CET"). metadata.json session.start_time is the probe's wall-clock anchor
 * (clock.wall_ns) as an ISO instant with nanoseconds; a bare number is read as epoch
 * nanoseconds (or seconds, when small).
 */
final class ReadableTime {
  private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ENGLISH);

  private ReadableTime() {}

  /** "" when the value is absent or not a time. */
  static String local(String startTime, ZoneId zone) {
    Instant t = instant(startTime);
    return t == null ? "" : FORMAT.format(t.atZone(zone));
  }

  static Instant instant(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      if (s.matches("\\d+(\\.\\d+)?")) {
        double v = Double.parseDouble(s);
        return v > 1e14 ? Instant.ofEpochSecond(0, (long) v) : Instant.ofEpochSecond((long) v);
      }
      return Instant.parse(s);
    } catch (DateTimeException | NumberFormatException e) {
      return null;
    }
  }
}
