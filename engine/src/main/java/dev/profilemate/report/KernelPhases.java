package dev.profilemate.report;

import dev.profilemate.kernel.PhaseBreakdown;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * GPU time per step phase (prefill, decode, mixed, or the names of other NVTX ranges or
 * annotations), split by kernel category. {@code graphSharePct}: graph-launch spans ÷ (spans +
 * kernels) of the phase, known only in nsys {@code --cuda-graph-trace=graph} captures (NaN otherwise).
 */
record KernelPhases(String source, String from, List<String> categories, List<Phase> phases) {

  record Phase(String phase, long ranges, double wallMs, long kernelInstances, double kernelMs, double kernelPct,
      double graphLaunchMs, double gpuMs, double graphSharePct, List<CategoryMs> categories) {

    boolean isDecode() {
      return phase.toLowerCase(Locale.ROOT).contains("decode");
    }
  }

  record CategoryMs(String category, double ms) {}

  static KernelPhases of(PhaseBreakdown p, boolean graphSpansRecorded) {
    List<Phase> phases = new ArrayList<>();
    Set<String> categories = new LinkedHashSet<>();
    for (PhaseBreakdown.Phase ph : p.phases()) {
      List<CategoryMs> cats = new ArrayList<>();
      for (PhaseBreakdown.CategoryNs c : ph.categories()) {
        cats.add(new CategoryMs(c.category(), KernelTimeline.ms(c.ns())));
        categories.add(c.category());
      }
      double spans = KernelTimeline.ms(ph.graphLaunchSpanNs());
      double kernels = KernelTimeline.ms(ph.kernelNs());
      double share = !graphSpansRecorded ? Double.NaN : spans + kernels > 0 ? 100.0 * spans / (spans + kernels) : 0;
      phases.add(new Phase(ph.phase(), ph.ranges(), KernelTimeline.ms(ph.wallNs()), ph.kernelInstances(), kernels,
          ph.kernelPct(), spans, spans + kernels, share, List.copyOf(cats)));
    }
    return new KernelPhases(p.source(), from(p.source()), List.copyOf(categories), List.copyOf(phases));
  }

  /** Whether any kernel time is in a named phase (not only "(unattributed)"). */
  boolean named() {
    return phases.stream().anyMatch(p -> !p.phase().equals(PhaseBreakdown.UNATTRIBUTED));
  }

  List<Phase> decode() {
    return phases.stream().filter(Phase::isDecode).toList();
  }

  private static String from(String source) {
    return switch (source) {
      case "profilemate-nvtx" -> "the probe's NVTX ranges profilemate:prefill|decode|mixed";
      case "nvtx" -> "NVTX ranges: each kernel counts for the innermost range around its launch (names less a "
          + "trailing step number)";
      case "profilemate-annotation" -> "the probe's profilemate:prefill|decode|mixed annotations";
      case "gpu-annotation" -> "GPU annotations (record_function ranges): the innermost one around each kernel";
      default -> "no NVTX range or GPU annotation in the trace: every kernel is unattributed";
    };
  }
}
