package dev.profilemate.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.common.Json;
import dev.profilemate.common.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * otlp_sent.json in the session folder: up to where a collect has sent the session to which
 * endpoint (per pid, the last finished request and the last step, monotonic ns). A restarted
 * collect reads it and sends only what came after; it is written before each send, so a collect
 * killed mid-send loses that send's spans rather than sending them twice.
 */
final class SentState {
  static final String FILE = "otlp_sent.json";

  private SentState() {}

  /** The watermarks of an earlier collect to the same endpoint; none when there was none, or to another endpoint. */
  static OtlpBatch.Watermarks load(Path session, OtlpEndpoint endpoint) throws IOException {
    Path file = session.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return OtlpBatch.Watermarks.NONE;
    }
    JsonNode root;
    try {
      root = Json.mapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + " is not JSON (" + e.getMessage() + "); delete it to send the whole session again", e);
    }
    if (!endpoint.toString().equals(root.path("endpoint").asText())) {
      return OtlpBatch.Watermarks.NONE;
    }
    return new OtlpBatch.Watermarks(marks(root.path("requests")), marks(root.path("steps")));
  }

  private static Map<Long, Long> marks(JsonNode node) {
    Map<Long, Long> m = new HashMap<>();
    node.properties().forEach(e -> m.put(Long.parseLong(e.getKey()), e.getValue().asLong()));
    return m;
  }

  static void save(Path session, OtlpEndpoint endpoint, OtlpBatch.Watermarks marks) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("endpoint", endpoint.toString());
    root.put("requests", new TreeMap<>(marks.requests()));
    root.put("steps", new TreeMap<>(marks.steps()));
    PrivateFiles.write(session.resolve(FILE), out -> Json.write(out, root));
  }
}
