package dev.profilemate.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.spool.DroppedRange;
import dev.profilemate.spool.SpoolReader;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One process's records, read from its spool's segments in order as one stream: the same records,
 * in the same order, as one unrotated file would give. Each segment is its own spool (its own
 * chunk numbers, damage and torn tail); the stream ends cleanly when its last segment does.
 */
public final class ProcessSpool implements Iterator<SpoolRecord>, AutoCloseable {
  private final Path file;
  private final List<SpoolReader> segments;
  private int current;

  /** file: the stream's name (the one file, or {@code <role>-<pid>.pmspool} for segments). */
  ProcessSpool(Path file, List<SpoolReader> segments) {
    this.file = file;
    this.segments = List.copyOf(segments);
    // a segment repeats the state records of those before it ("carried", spool minor 7): read
    // right after its predecessor the copies are skipped, so the stream is the one file's; read
    // without it (dropped by the budget, left out of a capture) they are the state it needs
    for (int i = 0; i < this.segments.size(); i++) {
      SpoolReader s = this.segments.get(i);
      int carried = s.metadata().path("carried").asInt(0);
      int n = s.metadata().path("segment").asInt(-1);
      int prev = i == 0 ? -2 : this.segments.get(i - 1).metadata().path("segment").asInt(-1);
      if (n >= 0 && n == prev + 1) {
        for (int k = carried; k > 0 && s.hasNext(); k--) {
          s.next();
        }
      } else {
        carriedRead += carried;
      }
    }
  }

  private long carriedRead;
  /** What this process's t_ns are moved by onto the session's clock: 0 on the session's node. */
  private long shiftNs;
  /** The session clock's wall-minus-monotonic offset, when this process follows its own anchors. */
  private long referenceOffsetNs;
  private boolean followAnchors;
  private int anchorType = -1;

  /**
   * Puts this process of another node on the session's clock: wall time less the reference's
   * offset, from its metadata anchor, then from each clock_anchor record as it comes (the latest
   * anchor before a record maps it: streaming, and a drifting clock costs at most the drift between
   * two anchors, which metadata.json states).
   */
  void align(long ownOffsetNs, long referenceOffsetNs, int anchorType) {
    this.referenceOffsetNs = referenceOffsetNs;
    this.shiftNs = ownOffsetNs - referenceOffsetNs;
    this.anchorType = anchorType;
    this.followAnchors = true;
  }

  /** The shift applied to the records read last (0 for a process on the session's node). */
  public long shiftNs() {
    return shiftNs;
  }

  /** Copies of state records read because the segment before theirs was not (see the constructor). */
  public long carriedRead() {
    return carriedRead;
  }

  /** The stream's name in the session files, whether or not it was rotated. */
  public Path file() {
    return file;
  }

  public List<SpoolReader> segments() {
    return segments;
  }

  public JsonNode metadata() {
    return segments.getFirst().metadata();
  }

  /** True when the writer closed the spool cleanly: its last segment ends in the final chunk. */
  public boolean closedCleanly() {
    return segments.getLast().closedCleanly();
  }

  /** True when the stream ends inside a chunk (crash, or a writer still at work). */
  public boolean incomplete() {
    return segments.getLast().incomplete();
  }

  public long unknownRecordsSkipped() {
    return segments.stream().mapToLong(SpoolReader::unknownRecordsSkipped).sum();
  }

  public List<DroppedRange> dropped() {
    List<DroppedRange> all = new ArrayList<>();
    segments.forEach(s -> all.addAll(s.dropped()));
    return all;
  }

  @Override
  public boolean hasNext() {
    while (current < segments.size()) {
      if (segments.get(current).hasNext()) {
        return true;
      }
      current++;
    }
    return false;
  }

  @Override
  public SpoolRecord next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    SpoolRecord r = segments.get(current).next();
    if (!followAnchors) {
      return r;
    }
    SpoolRecord out = r.shifted(shiftNs);
    if (r.type().id() == anchorType) {
      // the anchor itself is moved by the shift before it, so that its wall minus its t_ns tells how
      // far the new anchor moves the mapping (metadata.json clock: the error between anchors)
      shiftNs = r.getLong("wall_ns") - r.tNs() - referenceOffsetNs;
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (SpoolReader s : segments) {
      try {
        s.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
