package dev.profilemate.spool;

import java.nio.file.Path;

/**
 * Bytes of a spool the reader could not trust and skipped: {@code [from, to)} of {@code file}.
 *
 * @param recordsLost records the skipped bytes held, or {@link #UNKNOWN} when no trustworthy
 *     header says how many (0 for a chunk read twice: its records were kept the first time)
 * @param missingChunks the chunk sequence numbers absent between the good chunks around the
 *     range, e.g. "3-4", or "" when none are missing (or, at the end of the file, unknowable)
 */
public record DroppedRange(Path file, long from, long to, String cause, long recordsLost, String missingChunks) {
  public static final long UNKNOWN = -1;

  public boolean countable() {
    return recordsLost != UNKNOWN;
  }

  /** One line: {@code <file>: bytes <from>-<to> dropped (<cause>); <n> records lost}. */
  public String describe() {
    String gap = missingChunks.isEmpty() ? "" : "; chunks " + missingChunks + " missing";
    return file.getFileName() + ": bytes " + from + "-" + to + " dropped (" + cause + gap + "); "
        + (countable() ? Long.toString(recordsLost) : "unknown") + " records lost";
  }

  DroppedRange withMissingChunks(String gap) {
    return new DroppedRange(file, from, to, cause, recordsLost, gap);
  }
}
