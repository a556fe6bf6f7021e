package dev.profilemate.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * raw/segments.jsonl: the probe's line per closed segment and per segment the disk budget dropped
 * (written before the file is deleted). A reader takes the dropped ones as stated losses, not
 * damage; a last line without its newline is still being written and is left for the next read.
 * A triggered capture's own index (captures/ID/raw/) also lists, as "outside_capture", the
 * segments before its window that it does not hold: absent on purpose, neither loss nor damage.
 */
final class SegmentIndex {
  static final String FILE = "segments.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One segment the budget deleted: its records and their time range, as its writer counted them. */
  record Dropped(String file, String stem, int segment, long firstNs, long lastNs, long records, long bytes,
      long budgetBytes) {}

  /** A segment its writer closed (rotated, or at exit): its data records' time range, as counted. */
  record Closed(String file, String stem, int segment, long firstNs, long lastNs, long records, long bytes) {}

  private final Map<String, Dropped> dropped;
  private final Map<String, Closed> closed = new HashMap<>();
  /** file name -> the index line as written, for a capture's copy of the drops it inherits. */
  private final Map<String, String> droppedLines = new HashMap<>();
  private final java.util.Set<String> outside = new java.util.HashSet<>();

  private SegmentIndex(Map<String, Dropped> dropped) {
    this.dropped = dropped;
  }

  static SegmentIndex read(Path spoolDir) throws IOException {
    Path f = spoolDir.resolve(FILE);
    Map<String, Dropped> dropped = new HashMap<>();
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
      return new SegmentIndex(dropped);
    }
    String text;
    try {
      text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new SegmentIndex(dropped);
    }
    SegmentIndex index = new SegmentIndex(dropped);
    int end = text.lastIndexOf('\n');
    for (String line : text.substring(0, end + 1).split("\n")) {
      JsonNode e;
      try {
        e = JSON.readTree(line);
      } catch (IOException bad) {
        continue; // a damaged line: the segment it names, if gone, is reported as missing
      }
      String event = e == null ? "" : e.path("event").asText();
      if (event.equals("closed")) {
        index.closed.put(e.path("file").asText(), new Closed(e.path("file").asText(), e.path("spool").asText(),
            e.path("segment").asInt(), e.path("first_t_ns").asLong(), e.path("last_t_ns").asLong(),
            e.path("records").asLong(), e.path("bytes").asLong()));
        continue;
      }
      if (event.equals(OUTSIDE_CAPTURE)) {
        index.outside.add(e.path("file").asText());
        continue;
      }
      if (!event.equals("dropped")) {
        continue;
      }
      index.droppedLines.put(e.path("file").asText(), line);
      Dropped d = new Dropped(e.path("file").asText(), e.path("spool").asText(), e.path("segment").asInt(),
          e.path("first_t_ns").asLong(), e.path("last_t_ns").asLong(), e.path("records").asLong(),
          e.path("bytes").asLong(), e.path("budget_bytes").asLong());
      dropped.put(d.file(), d);
    }
    return index;
  }

  /** The event of a capture's index line for a segment it leaves out on purpose. */
  static final String OUTSIDE_CAPTURE = "outside_capture";

  Closed closed(String fileName) {
    return closed.get(fileName);
  }

  String droppedLine(String fileName) {
    return droppedLines.get(fileName);
  }

  boolean outsideCapture(String fileName) {
    return outside.contains(fileName);
  }

  Dropped dropped(String fileName) {
    return dropped.get(fileName);
  }

  Map<String, Dropped> allDropped() {
    return dropped;
  }
}
