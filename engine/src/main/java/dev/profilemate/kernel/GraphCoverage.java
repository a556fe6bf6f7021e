package dev.profilemate.kernel;

/**
 * How much GPU time CUDA graphs account for.
 *
 * <ul>
 *   <li>{@code method = "graph-node-kernels"} (nsys {@code --cuda-graph-trace=node}, Kineto): graph
 *       kernels are visible one by one; {@code graphSharePct} = graph kernels' time / all kernel time.
 *   <li>{@code method = "graph-launch-spans"} (nsys {@code --cuda-graph-trace=graph}): only one span
 *       per graph launch is recorded; {@code graphSharePct} = launch spans / (spans + other kernels).
 *       A span also holds the idle time between the graph's kernels, so this is an upper bound.
 *   <li>{@code method = "none"}: no graph launch seen.
 * </ul>
 * Fields that do not apply to the method are null.
 */
public record GraphCoverage(
    String captureMode,
    String method,
    long kernelNs,
    Long graphKernelNs,
    Long graphKernelInstances,
    long graphLaunches,
    Long graphLaunchSpanNs,
    Long distinctGraphs,
    double graphSharePct) {}
