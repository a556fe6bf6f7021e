package dev.profilemate.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/** One profiled process of a session, as its spool's metadata record describes it. */
public record ProcessInfo(
    int index,
    Path spool,
    long pid,
    String role,
    int rank,
    long monotonicAnchorNs,
    long wallAnchorNs,
    JsonNode metadata) {

  static ProcessInfo of(int index, Path spool, JsonNode m) {
    JsonNode clock = m.path("clock");
    return new ProcessInfo(
        index,
        spool,
        m.path("pid").asLong(),
        m.path("role").asText("main"),
        m.path("rank").asInt(-1),
        clock.path("monotonic_ns").asLong(),
        clock.path("wall_ns").asLong(),
        m);
  }
}
