package dev.profilemate.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The spool segments now in a session's raw/, each with the time range of its records as far as
 * it is known: from the index for a closed segment; for the open one (still written), everything
 * after its predecessor's last record. Read index first, then the folder, as {@link SessionReader}
 * does, so a segment the budget deletes meanwhile is either listed here or stated as dropped.
 */
public final class SegmentCatalog {
  /**
   * One segment file. number is -1 for a spool written before segments (one file per process);
   * such a file, and a segment not yet closed, may still grow: lastNs is Long.MAX_VALUE.
   */
  public record Segment(String file, String stream, int number, boolean closed, long firstNs, long lastNs,
      long records) {
    /** Whether it may hold records of [fromNs, toNs]. A closed segment without data holds none. */
    public boolean overlaps(long fromNs, long toNs) {
      if (closed && records == 0) {
        return false;
      }
      return firstNs <= toNs && lastNs >= fromNs;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final SegmentIndex index;
  private final List<Segment> present;

  private SegmentCatalog(SegmentIndex index, List<Segment> present) {
    this.index = index;
    this.present = present;
  }

  public static SegmentCatalog read(Path raw) throws IOException {
    SegmentIndex index = SegmentIndex.read(raw);
    List<String> names;
    try (Stream<Path> s = Files.list(raw)) {
      names = s.filter(p -> p.getFileName().toString().endsWith(SessionReader.SPOOL_SUFFIX))
          .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .map(p -> p.getFileName().toString())
          .toList();
    }
    List<SegmentName> sorted = names.stream().map(SegmentName::of)
        .sorted(Comparator.comparing(SegmentName::stem).thenComparingInt(SegmentName::segment)).toList();
    List<Segment> out = new ArrayList<>();
    for (SegmentName n : sorted) {
      String file = n.segmented() ? n.stem() + "." + n.segment() + SessionReader.SPOOL_SUFFIX
          : n.streamFileName();
      if (index.dropped(file) != null) {
        continue; // the budget is deleting it: not to be pinned
      }
      SegmentIndex.Closed c = index.closed(file);
      if (c != null) {
        out.add(new Segment(file, n.stem(), n.segment(), true, c.firstNs(), c.lastNs(), c.records()));
      } else {
        // open: its records follow its predecessor's (closed, or it would not have been started)
        SegmentIndex.Closed prev = n.segment() > 0
            ? index.closed(n.stem() + "." + (n.segment() - 1) + SessionReader.SPOOL_SUFFIX) : null;
        out.add(new Segment(file, n.stem(), n.segment(), false, prev == null ? Long.MIN_VALUE : prev.lastNs(),
            Long.MAX_VALUE, -1));
      }
    }
    return new SegmentCatalog(index, List.copyOf(out));
  }

  /** Segments present and not dropped, by stream then number. */
  public List<Segment> present() {
    return present;
  }

  /** The index line the budget wrote for this file, as written; null when it was not dropped. */
  public String droppedLine(String file) {
    return index.droppedLine(file);
  }

  /** Whether the budget dropped this file and its records reached into [fromNs, toNs]. */
  public boolean droppedWithin(String file, long fromNs, long toNs) {
    SegmentIndex.Dropped d = index.dropped(file);
    return d != null && d.records() > 0 && d.firstNs() <= toNs && d.lastNs() >= fromNs;
  }

  /** The line of a capture's index that leaves segment n of a stream out on purpose. */
  public static String outsideCaptureLine(String stream, int n) {
    ObjectNode o = JSON.createObjectNode();
    o.put("event", SegmentIndex.OUTSIDE_CAPTURE);
    o.put("file", fileName(stream, n));
    o.put("segment", n);
    o.put("spool", stream);
    return o.toString();
  }

  public static String fileName(String stream, int n) {
    return n < 0 ? stream + SessionReader.SPOOL_SUFFIX : stream + "." + n + SessionReader.SPOOL_SUFFIX;
  }

  /** The index file's name, in raw/ and in a capture's raw/. */
  public static final String INDEX = SegmentIndex.FILE;
}
