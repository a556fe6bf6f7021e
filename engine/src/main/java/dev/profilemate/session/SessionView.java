package dev.profilemate.session;

import java.nio.file.Path;
import java.util.List;

/**
 * What the session files say about the processes read, whether by one whole read ({@link
 * SessionReader}) or by the collector's refreshes ({@link LiveSession}).
 */
public interface SessionView {
  Path dir();

  /** The session's zero: the earliest clock anchor of its processes. */
  default long startNs() {
    return processes().stream().mapToLong(ProcessInfo::monotonicAnchorNs).min().orElse(0);
  }

  /** The wall-clock time of that zero (the earliest process's wall anchor). */
  default long startWallNs() {
    return processes().stream()
        .min(java.util.Comparator.comparingLong(ProcessInfo::monotonicAnchorNs))
        .map(ProcessInfo::wallAnchorNs)
        .orElse(0L);
  }

  List<ProcessInfo> processes();

  /** The node whose monotonic clock is the session's (processes of other nodes are aligned to it). */
  default String referenceNode() {
    return processes().isEmpty() ? "" : processes().get(0).metadata().path("host").asText("");
  }

  /** Whether the process was put on the session's clock through wall-clock anchors (another node). */
  default boolean alignedByWallClock(int process) {
    return false;
  }

  /** What the process's t_ns were moved by onto the session's clock, at its last record (0 on the session's node). */
  default long clockShiftNs(int process) {
    return 0;
  }

  /** The process's stream name in the session files. */
  Path streamFile(int process);

  boolean closedCleanly(int process);

  boolean incomplete(int process);

  /** The reader's warnings (damage, budget drops, torn tails, unknown types), after the records are read. */
  List<String> warnings();
}
