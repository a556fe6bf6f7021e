package dev.profilemate.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.common.CsvRows;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Whether a report section has data, and if not, why — said in the user's terms. */
record SectionStatus(boolean recorded, String reason) {
  static final SectionStatus RECORDED = new SectionStatus(true, "");

  static SectionStatus notRecorded(String reason) {
    return new SectionStatus(false, reason);
  }

  static final String NO_SESSION = "no session: this report was made from kernel traces alone "
      + "(profilemate report SESSION --nsys ... adds the probe's data)";

  static SectionStatus of(SessionData s, Profiler p) {
    if (s.dir() == null) {
      return notRecorded(NO_SESSION);
    }
    CsvRows.Shape t = s.file(p.file);
    if (t.hasRows()) {
      return RECORDED;
    }
    SessionMetadata m = s.metadata();
    String expected = SessionDevice.of(m).whyNotRecorded(p);
    if (expected != null) {
      return notRecorded(expected);
    }
    if (Boolean.FALSE.equals(m.flag(p.flag))) {
      return notRecorded("profiler off: " + p.flag + " is False in the probe config (metadata.json probe_config)");
    }
    if (p == Profiler.MOE && m.moe().path("moe_layers").isEmpty() && !isMoeModel(m.modelConfig())) {
      return notRecorded("not an MoE model: engine.model_config in metadata.json has no num_local_experts or "
          + "num_experts, so there are no expert layers to track");
    }
    List<String> enabled = m.profilersEnabled();
    if (!enabled.isEmpty() && enabled.stream().noneMatch(e -> e.equals(p.flag) || p.probeModules.contains(e))) {
      return notRecorded("profiler off: it is not in metadata.json profilers_enabled (" + String.join(", ", enabled)
          + ")");
    }
    String targets = m.probeTargets().entrySet().stream()
        .filter(e -> p.probeModules.contains(e.getValue().profiler()) && !e.getValue().state().equals("attached"))
        .map(SectionStatus::describe)
        .collect(Collectors.joining("; "));
    if (!targets.isEmpty() && m.probeTargets().values().stream()
        .noneMatch(v -> p.probeModules.contains(v.profiler()) && v.state().equals("attached"))) {
      return notRecorded("the probe could not attach: " + targets);
    }
    String hidden = m.moe().path("counts_not_recorded").asText("");
    if (p == Profiler.MOE && !hidden.isEmpty()) {
      return notRecorded(hidden); // the layers exist, but their kernel routes where the probe cannot see
    }
    if (!t.present()) {
      return notRecorded(p.file.fileName + " is not in the session folder");
    }
    String tail = p == Profiler.ENCODER_DECODER ? " (a text-only decoder model runs no encoder)" : "";
    return notRecorded("no rows: " + p.file.fileName + " is empty; the profiler was on but recorded nothing" + tail);
  }

  static boolean isMoeModel(JsonNode modelConfig) {
    if (modelConfig.isMissingNode() || !modelConfig.isObject()) {
      return true; // unknown: don't claim it is dense
    }
    return modelConfig.path("num_local_experts").asInt(0) > 0 || modelConfig.path("num_experts").asInt(0) > 0;
  }

  private static String describe(Map.Entry<String, SessionMetadata.Target> e) {
    String r = e.getValue().reason();
    return e.getKey() + " " + e.getValue().state() + (r.isEmpty() ? "" : " (" + r + ")");
  }
}
