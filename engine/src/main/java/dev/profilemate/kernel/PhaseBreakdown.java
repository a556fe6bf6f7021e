package dev.profilemate.kernel;

import java.util.List;

/**
 * Kernel time split by step phase. {@code source} says where phases came from: {@code
 * "profilemate-nvtx"} (the probe's {@code profilemate:prefill|decode|mixed} NVTX ranges), {@code
 * "nvtx"} (the innermost enclosing NVTX range of the kernel's launch, any name), {@code
 * "gpu-annotation"} (Kineto {@code gpu_user_annotation} spans), or {@code "none"}. Kernels outside
 * every range are in the phase {@code "(unattributed)"}.
 */
public record PhaseBreakdown(String source, List<Phase> phases) {

  public static final String UNATTRIBUTED = "(unattributed)";

  /**
   * One phase: {@code ranges} ranges of that name, {@code wallNs} the sum of their GPU projections
   * (first start to last end of the GPU work they launched), kernel totals, and graph-launch spans
   * (nsys graph mode only; 0 otherwise) attributed to it.
   */
  public record Phase(
      String phase,
      long ranges,
      long wallNs,
      long kernelInstances,
      long kernelNs,
      double kernelPct,
      long graphLaunchSpanNs,
      List<CategoryNs> categories) {}

  /** Kernel time of one category within a phase. */
  public record CategoryNs(String category, long ns) {}
}
