package dev.profilemate.report;

import dev.profilemate.kernel.GraphCoverage;

/**
 * How much GPU time CUDA graphs launched, with the method behind the number (see {@link
 * GraphCoverage}): {@code graphMs} from graphs (graph kernels, or graph-launch spans), {@code
 * eagerKernelMs} the kernels launched one by one.
 */
record GraphShare(String method, String captureMode, double sharePct, long launches, Long distinctGraphs,
    double graphMs, double eagerKernelMs, String how) {

  static GraphShare of(GraphCoverage g) {
    Long graphNs = g.graphKernelNs() != null ? g.graphKernelNs() : g.graphLaunchSpanNs();
    String how = switch (g.method()) {
      case "graph-node-kernels" -> "kernels launched from graphs ÷ all kernel time (each graph kernel is in the trace)";
      case "graph-launch-spans" -> "graph-launch spans ÷ (spans + other kernels); nsys --cuda-graph-trace=graph records "
          + "one span per launch, gaps inside the graph included, so this is an upper bound";
      default -> "no kernel was launched from a CUDA graph";
    };
    double graph = graphNs == null ? 0 : KernelTimeline.ms(graphNs);
    // graph-launch spans are not in the kernel table; graph kernels (node mode) are
    double eager = KernelTimeline.ms(g.kernelNs()) - (g.graphKernelNs() != null ? graph : 0);
    return new GraphShare(g.method(), g.captureMode(), g.graphSharePct(), g.graphLaunches(), g.distinctGraphs(),
        graph, eager, how);
  }

  boolean spansRecorded() {
    return method.equals("graph-launch-spans");
  }

  boolean none() {
    return method.equals("none");
  }
}
