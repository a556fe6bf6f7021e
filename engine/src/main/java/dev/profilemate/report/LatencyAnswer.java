package dev.profilemate.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.aggregate.LatencyParts;
import dev.profilemate.common.CsvTable;
import dev.profilemate.common.Json;
import dev.profilemate.export.SummaryFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's opening answer, "why TTFT / ITL": each percentile's largest part and its cause, as
 * the export put them in latency_summary.json (docs/latency.md). Read on its own, not through
 * {@link SessionData}: one small JSON file, whatever the session's size.
 */
record LatencyAnswer(SectionStatus status, List<Line> ttft, List<Line> itl, List<String> notes) {

  /** One percentile: its mean latency, its parts in ms (in the order they add up) and the answer. */
  record Line(String percentile, double meanMs, double requests, Map<String, Double> partsMs, String dominant,
      String dominantCause, String why) {}

  static LatencyAnswer of(SessionData s) {
    if (s.dir() == null) {
      return none(SectionStatus.NO_SESSION);
    }
    Path file = s.dir().resolve(SummaryFile.LATENCY.fileName);
    if (!Files.isRegularFile(file)) {
      return none("exported before the latency decomposition existed: run profilemate export " + s.dir() + " again");
    }
    JsonNode root;
    try {
      root = Json.mapper().readTree(file.toFile());
    } catch (IOException e) {
      String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
          : e.getMessage();
      return none(file + ": not valid JSON (" + CsvTable.firstLine(msg) + "); export the session again");
    }
    if (root == null || !root.isObject()) {
      return none(file + ": not a JSON object; export the session again");
    }
    List<Line> ttft = lines(root.path("ttft"), LatencyParts.TTFT_PARTS);
    List<Line> itl = lines(root.path("itl"), LatencyParts.ITL_PARTS);
    List<String> notes = new ArrayList<>();
    root.path("notes").forEach(n -> notes.add(n.asText()));
    if (ttft.isEmpty() && itl.isEmpty()) {
      return new LatencyAnswer(SectionStatus.notRecorded("no request had both its arrival and its first token "
          + "recorded (request tracking off, or no request finished its prefill)"), ttft, itl, notes);
    }
    return new LatencyAnswer(SectionStatus.RECORDED, ttft, itl, notes);
  }

  private static LatencyAnswer none(String reason) {
    return new LatencyAnswer(SectionStatus.notRecorded(reason), List.of(), List.of(), List.of());
  }

  /** parts: the order they add up in (the file's keys are sorted). */
  private static List<Line> lines(JsonNode bands, List<String> partNames) {
    List<Line> out = new ArrayList<>();
    for (String p : List.of("p50", "p90", "p99")) {
      JsonNode b = bands.path(p);
      if (!b.isObject()) {
        continue;
      }
      Map<String, Double> parts = new LinkedHashMap<>();
      for (String name : partNames) {
        parts.put(name, b.path("parts_ms").path(name).asDouble(Double.NaN));
      }
      out.add(new Line(p, b.path("mean_ms").asDouble(Double.NaN), b.path("requests").asDouble(Double.NaN), parts,
          b.path("dominant").asText(""), b.path("dominant_cause").asText(""), b.path("why").asText("")));
    }
    return out;
  }
}
