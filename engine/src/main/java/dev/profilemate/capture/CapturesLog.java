package dev.profilemate.capture;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.common.Json;
import dev.profilemate.common.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** captures/captures.jsonl: one JSON line per capture started, completed or removed (owner-only). */
final class CapturesLog {
  private final Path file;

  CapturesLog(Path file) {
    this.file = file;
  }

  void append(Map<String, Object> event) throws IOException {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", Instant.now().toString());
    line.putAll(new TreeMap<>(event));
    JsonNode n = Json.mapper().valueToTree(line);
    PrivateFiles.logFile(file); // owner-only, never through a symlink
    Files.writeString(file, n.toString() + "\n", StandardOpenOption.APPEND, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
  }

  /** Captures the bound removed, by an earlier collector too: not to be kept again. */
  List<String> removedIds() throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return out;
    }
    for (String line : Files.readAllLines(file)) {
      try {
        JsonNode e = Json.mapper().readTree(line);
        if (e != null && "removed".equals(e.path("event").asText())) {
          out.add(e.path("id").asText());
        }
      } catch (IOException bad) {
        // a line cut short: the capture it named, if any, is still a folder or gone
      }
    }
    return out;
  }
}
