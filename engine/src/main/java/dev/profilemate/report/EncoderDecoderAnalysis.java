package dev.profilemate.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Encoder vs decoder (and cross-attention) time for Whisper, vision-language and other encoder models. */
record EncoderDecoderAnalysis(SectionStatus status, List<Component> components, double totalMs) {

  record Component(String component, Distribution.Summary durationMs, double sharePct) {}

  static EncoderDecoderAnalysis of(SessionData s) {
    Map<String, Distribution.Summary> by = s.encoderDecoderByComponent(); // by name
    double total = by.values().stream().mapToDouble(Distribution.Summary::total).sum();
    List<Component> out = new ArrayList<>();
    by.forEach((k, d) -> out.add(new Component(k, d, total > 0 ? 100 * d.total() / total : 0)));
    return new EncoderDecoderAnalysis(SectionStatus.of(s, Profiler.ENCODER_DECODER), out, total);
  }
}
