package dev.profilemate.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Seals the OTLP output's format: what the Collector received, with the parts that differ from
 * run to run taken out (span ids become the parent's name, trace ids "caller" or "own", times
 * become nanoseconds since the session's start, metric timestamps are dropped), must equal the
 * committed file. Regenerate with -Dprofilemate.updateGolden=true only for a reviewed format change.
 */
final class OtlpGolden {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private OtlpGolden() {}

  static void check(List<JsonNode> spans, List<JsonNode> metrics, long startWallNs, Path golden) throws IOException {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("spans", spans(spans, startWallNs));
    view.put("metrics", metrics(metrics));
    String text = JSON.writeValueAsString(view) + "\n";
    if (Boolean.getBoolean("profilemate.updateGolden")) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, text);
    }
    assertThat(text).isEqualTo(Files.readString(golden));
  }

  private static List<Map<String, Object>> spans(List<JsonNode> spans, long startWallNs) {
    Map<String, JsonNode> byId = new HashMap<>();
    spans.forEach(s -> byId.put(s.path("spanId").asText(), s));
    List<Map<String, Object>> out = new ArrayList<>();
    for (JsonNode s : spans) {
      JsonNode parent = byId.get(s.path("parentSpanId").asText());
      JsonNode root = parent == null ? s : parent;
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("request", OtelCollector.attr(root, "gen_ai.request.id"));
      v.put("name", s.path("name").asText());
      v.put("kind", s.path("kind").asInt());
      v.put("parent", parent != null ? parent.path("name").asText()
          : s.path("parentSpanId").asText().isEmpty() ? "" : "caller span " + s.path("parentSpanId").asText());
      v.put("trace", parent == null && !s.path("parentSpanId").asText().isEmpty()
          ? "caller trace " + s.path("traceId").asText() : "its root's");
      v.put("start_ns", Long.parseLong(s.path("startTimeUnixNano").asText()) - startWallNs);
      v.put("end_ns", Long.parseLong(s.path("endTimeUnixNano").asText()) - startWallNs);
      v.put("attributes", attributes(s));
      List<Map<String, Object>> events = new ArrayList<>();
      for (JsonNode e : s.path("events")) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("name", e.path("name").asText());
        ev.put("t_ns", Long.parseLong(e.path("timeUnixNano").asText()) - startWallNs);
        ev.put("attributes", attributes(e));
        events.add(ev);
      }
      v.put("events", events);
      out.add(v);
    }
    out.sort(Comparator.comparing((Map<String, Object> m) -> (String) m.get("request"))
        .thenComparingLong(m -> (Long) m.get("start_ns")).thenComparing(m -> (String) m.get("name")));
    return out;
  }

  /** The last export of each metric (cumulative: it holds the totals), without its timestamps. */
  private static Map<String, Object> metrics(List<JsonNode> metrics) {
    Map<String, Object> out = new TreeMap<>();
    for (JsonNode m : metrics) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("description", m.path("description").asText());
      v.put("unit", m.path("unit").asText());
      for (String kind : List.of("sum", "gauge", "histogram")) {
        if (m.has(kind)) {
          v.put("type", kind);
          List<Map<String, Object>> points = new ArrayList<>();
          for (JsonNode p : m.path(kind).path("dataPoints")) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("attributes", attributes(p));
            for (String f : List.of("asInt", "asDouble", "count", "sum", "bucketCounts", "explicitBounds")) {
              if (p.has(f)) {
                point.put(f, p.get(f));
              }
            }
            points.add(point);
          }
          points.sort(Comparator.comparing(p -> p.get("attributes").toString()));
          v.put("points", points);
          if (m.path(kind).has("aggregationTemporality")) {
            v.put("temporality", m.path(kind).path("aggregationTemporality").asInt());
          }
        }
      }
      out.put(m.path("name").asText(), v);
    }
    return out;
  }

  private static Map<String, String> attributes(JsonNode node) {
    Map<String, String> a = new TreeMap<>();
    for (JsonNode kv : node.path("attributes")) {
      a.put(kv.path("key").asText(), kv.path("value").properties().iterator().next().getValue().asText());
    }
    return a;
  }
}
