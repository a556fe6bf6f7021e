package dev.profilemate.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.profilemate.common.CsvTable;
import dev.profilemate.common.Json;
import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** metadata.json as the report needs it: engine config, model shape, which profilers ran. */
final class SessionMetadata {
  private final JsonNode root;

  private SessionMetadata(JsonNode root) {
    this.root = root;
  }

  static SessionMetadata empty() {
    return new SessionMetadata(MissingNode.getInstance());
  }

  static SessionMetadata read(Path file) {
    if (!Files.isRegularFile(file)) {
      return empty();
    }
    try {
      JsonNode n = Json.mapper().readTree(file.toFile());
      if (n == null || !n.isObject()) {
        throw new UserDataException(file + ": not a JSON object");
      }
      return new SessionMetadata(n);
    } catch (IOException e) {
      String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
          : e.getMessage();
      throw new UserDataException(file + ": not valid JSON (" + CsvTable.firstLine(msg) + ")", e);
    }
  }

  boolean present() {
    return !root.isMissingNode();
  }

  JsonNode engine() {
    return root.path("engine");
  }

  /** The triggered-capture rules the export ran ("" before exports wrote them). */
  String captureRules() {
    return root.path("capture_rules").asText("");
  }

  /** The model's MoE structure the probe saw (metadata.json "moe"), or a missing node. */
  JsonNode moe() {
    return root.path("moe");
  }

  JsonNode modelConfig() {
    return engine().path("model_config");
  }

  String engineText(String key) {
    JsonNode n = engine().path(key);
    return n.isValueNode() && !n.isNull() ? n.asText() : "";
  }

  /** An engine setting as a number; NaN when absent. */
  double engineNumber(String key) {
    JsonNode n = engine().path(key);
    return n.isNumber() ? n.asDouble() : Double.NaN;
  }

  String model() {
    String m = engineText("served_model_name");
    return m.isEmpty() || m.startsWith("[") || m.equals("None") ? engineText("model") : m;
  }

  String sessionText(String key) {
    return root.path("session").path(key).asText("");
  }

  double durationSec() {
    return root.path("session").path("duration_sec").asDouble(Double.NaN);
  }

  List<String> profilersEnabled() {
    List<String> out = new ArrayList<>();
    root.path("profilers_enabled").forEach(n -> out.add(n.asText()));
    return out;
  }

  /** ENABLE_* switches from the probe config: TRUE, FALSE, or absent. */
  Boolean flag(String name) {
    JsonNode n = root.path("probe_config").path(name);
    return n.isBoolean() ? Boolean.valueOf(n.asBoolean()) : null;
  }

  /** probe target → (profiler, state, reason). */
  Map<String, Target> probeTargets() {
    Map<String, Target> out = new TreeMap<>();
    root.path("probe_targets").properties().forEach(e -> out.put(e.getKey(),
        new Target(e.getValue().path("profiler").asText(""), e.getValue().path("state").asText(""),
            e.getValue().path("reason").asText(""))));
    return out;
  }

  record Target(String profiler, String state, String reason) {}

  /** engine.cudagraph_capture_sizes, when vLLM reported them. */
  List<Long> cudagraphCaptureSizes() {
    List<Long> out = new ArrayList<>();
    engine().path("cudagraph_capture_sizes").forEach(n -> {
      if (n.canConvertToLong()) {
        out.add(n.asLong());
      }
    });
    return out;
  }

  List<String> warnings() {
    List<String> out = new ArrayList<>();
    root.path("warnings").forEach(n -> out.add(n.asText()));
    return out;
  }
}
