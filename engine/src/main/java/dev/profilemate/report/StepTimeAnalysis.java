package dev.profilemate.report;

import dev.profilemate.report.SessionRows.ForwardStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Forward-step time per phase (prefill, decode, mixed): P50/P95/P99 from histograms, and over time. */
record StepTimeAnalysis(SectionStatus status, List<Phase> phases, Map<String, List<double[]>> stepTimeOverTime) {

  static final List<String> PHASES = List.of("prefill", "decode", "mixed");

  record Phase(String phase, Distribution.Summary forwardMs, long tokens, double meanTokensPerStep,
      double tokensPerSec) {}

  static StepTimeAnalysis of(SessionData s) {
    Map<String, Distribution> ms = new LinkedHashMap<>();
    Map<String, long[]> tokens = new LinkedHashMap<>();
    Map<String, long[]> rows = new LinkedHashMap<>();
    for (String p : PHASES) {
      ms.put(p, new Distribution());
      tokens.put(p, new long[1]);
      rows.put(p, new long[1]);
    }
    for (ForwardStep f : s.forward()) {
      String p = phaseOf(f);
      ms.computeIfAbsent(p, k -> new Distribution()).add(f.forwardMs());
      tokens.computeIfAbsent(p, k -> new long[1])[0] += f.numTokens();
      rows.computeIfAbsent(p, k -> new long[1])[0]++;
    }
    // each phase's steps over time, thinned as they stream by (a long session has millions)
    Map<String, Downsample.Peaks> byPhase = new LinkedHashMap<>();
    rows.forEach((p, n) -> byPhase.put(p, new Downsample.Peaks(n[0])));
    for (ForwardStep f : s.forward()) {
      byPhase.get(phaseOf(f)).add(f.timeSec(), f.forwardMs());
    }
    List<Phase> phases = new ArrayList<>();
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    ms.forEach((p, d) -> {
      Distribution.Summary sum = d.summary();
      if (sum.count() == 0) {
        return;
      }
      long tok = tokens.get(p)[0];
      phases.add(new Phase(p, sum, tok, (double) tok / sum.count(), sum.total() > 0 ? tok / (sum.total() / 1e3) : 0));
      series.put(p, byPhase.get(p).points());
    });
    return new StepTimeAnalysis(SectionStatus.of(s, Profiler.FORWARD_PASS), phases, series);
  }

  private static String phaseOf(ForwardStep f) {
    return f.phase().isEmpty() ? "unknown" : f.phase();
  }
}
