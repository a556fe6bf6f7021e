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
 */
final class SegmentIndex {
  static final String FILE = "segments.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One segment the budget deleted: its records and their time range, as its writer counted them. */
  record Dropped(String file, String stem, int segment, long firstNs, long lastNs, long records, long bytes,
      long budgetBytes) {}

  private final Map<String, Dropped> dropped;

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
    int end = text.lastIndexOf('\n');
    for (String line : text.substring(0, end + 1).split("\n")) {
      JsonNode e;
      try {
        e = JSON.readTree(line);
      } catch (IOException bad) {
        continue; // a damaged line: the segment it names, if gone, is reported as missing
      }
      if (e == null || !"dropped".equals(e.path("event").asText())) {
        continue;
      }
      Dropped d = new Dropped(e.path("file").asText(), e.path("spool").asText(), e.path("segment").asInt(),
          e.path("first_t_ns").asLong(), e.path("last_t_ns").asLong(), e.path("records").asLong(),
          e.path("bytes").asLong(), e.path("budget_bytes").asLong());
      dropped.put(d.file(), d);
    }
    return new SegmentIndex(dropped);
  }

  Dropped dropped(String fileName) {
    return dropped.get(fileName);
  }

  Map<String, Dropped> allDropped() {
    return dropped;
  }
}
