package dev.profilemate.report;

import dev.profilemate.report.SessionRows.EncoderDecoderTiming;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Encoder vs decoder (and cross-attention) time for Whisper, vision-language and other encoder models. */
record EncoderDecoderAnalysis(SectionStatus status, List<Component> components, double totalMs) {

  record Component(String component, Distribution.Summary durationMs, double sharePct) {}

  static EncoderDecoderAnalysis of(SessionData s) {
    Map<String, Distribution> by = new TreeMap<>();
    for (EncoderDecoderTiming e : s.encoderDecoder()) {
      by.computeIfAbsent(e.component(), k -> new Distribution()).add(e.durationMs());
    }
    double total = by.values().stream().mapToDouble(d -> d.summary().total()).sum();
    List<Component> out = new ArrayList<>();
    by.forEach((k, d) -> out.add(new Component(k, d.summary(), total > 0 ? 100 * d.summary().total() / total : 0)));
    return new EncoderDecoderAnalysis(SectionStatus.of(s, Profiler.ENCODER_DECODER), out, total);
  }
}
