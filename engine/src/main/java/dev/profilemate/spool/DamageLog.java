package dev.profilemate.spool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The dropped ranges of one spool, and the chunk sequence numbers seen: a range learns which
 * chunk numbers it lost when the next good chunk is read. In strict mode the first drop throws.
 */
final class DamageLog {
  private final Path file;
  private final boolean strict;
  private final List<DroppedRange> settled = new ArrayList<>();
  /** Dropped since the last good chunk: their missing chunk numbers are not known yet. */
  private final List<DroppedRange> pending = new ArrayList<>();
  /** Sequence number → payload CRC of every good chunk, to tell a copy from a renumbered chunk. */
  private final Map<Long, Long> seen = new HashMap<>();
  private long lastSequence = -1;
  /** Chunk numbers a dropped range accounts for: first → last, inclusive. */
  private final TreeMap<Long, Long> accounted = new TreeMap<>();

  DamageLog(Path file, boolean strict) {
    this.file = file;
    this.strict = strict;
  }

  /** A resumed reader: chunks up to this number were read (and judged) by an earlier reader. */
  void resumeAfter(long sequence) {
    lastSequence = sequence;
    if (sequence >= 0) {
      accounted.put(0L, sequence);
    }
  }

  void drop(long from, long to, String cause, long recordsLost) throws SpoolFormatException {
    if (strict) {
      throw new SpoolFormatException(file, from, cause + " (bytes " + from + "-" + to + " would be dropped)");
    }
    List<DroppedRange> list = pending.isEmpty() ? settled : pending;
    DroppedRange last = list.isEmpty() ? null : list.getLast();
    if (last != null && last.to() == from && last.cause().equals(cause)) {
      // a run of chunks lost for one reason (e.g. all chunks after a lost metadata record) is one line
      long lost = last.countable() && recordsLost != DroppedRange.UNKNOWN
          ? last.recordsLost() + recordsLost : DroppedRange.UNKNOWN;
      list.set(list.size() - 1, new DroppedRange(file, last.from(), to, cause, lost, last.missingChunks()));
      return;
    }
    pending.add(new DroppedRange(file, from, to, cause, recordsLost, ""));
  }

  /** True when a chunk of this number and payload was already read: a copy, not new data. */
  boolean isCopy(ChunkHeader h) {
    Long crc = seen.get(h.sequence());
    return crc != null && crc == h.crc32();
  }

  /** A chunk that will be read (or counted): settles the ranges dropped before it. */
  void good(ChunkHeader h) {
    long seq = h.sequence();
    String gap = seq > lastSequence + 2 ? (lastSequence + 1) + "-" + (seq - 1)
        : seq == lastSequence + 2 ? Long.toString(seq - 1) : "";
    if (!pending.isEmpty() && seq > lastSequence + 1) {
      accounted.put(lastSequence + 1, seq - 1);
    }
    settle(gap);
    seen.put(seq, h.crc32());
    lastSequence = Math.max(lastSequence, seq);
  }

  /**
   * The end of the file ({@code size} bytes): what follows the last good chunk cannot be known.
   * Chunk numbers absent between good chunks that no dropped range accounts for (a file cut or
   * spliced exactly between chunks, or a chunk number damaged: the CRC does not cover it) are
   * said too, so no loss is silent.
   */
  void end(long size) throws SpoolFormatException {
    settle("");
    long expect = 0;
    List<String> gaps = new ArrayList<>();
    for (long seq : new TreeSet<>(seen.keySet())) {
      Map.Entry<Long, Long> a = accounted.floorEntry(expect);
      if (seq > expect && (a == null || a.getValue() < seq - 1)) {
        gaps.add(seq - 1 == expect ? Long.toString(expect) : expect + "-" + (seq - 1));
      }
      expect = seq + 1;
    }
    if (!gaps.isEmpty()) {
      String cause = "no damaged bytes, but chunk numbers are absent: the file was cut or spliced between chunks, "
          + "or a chunk's number is damaged";
      if (strict) {
        throw new SpoolFormatException(file, size, cause + " (chunks " + String.join(", ", gaps) + ")");
      }
      settled.add(new DroppedRange(file, size, size, cause, DroppedRange.UNKNOWN, String.join(", ", gaps)));
    }
  }

  private void settle(String gap) {
    for (DroppedRange r : pending) {
      settled.add(r.withMissingChunks(gap));
    }
    pending.clear();
  }

  List<DroppedRange> dropped() {
    List<DroppedRange> all = new ArrayList<>(settled);
    all.addAll(pending);
    return all;
  }
}
