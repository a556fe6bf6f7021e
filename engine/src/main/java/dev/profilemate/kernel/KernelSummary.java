package dev.profilemate.kernel;

/**
 * Totals for one kernel name, as Nsight Systems' {@code cuda_gpu_kern_sum} computes them: all
 * executions counted in full (no de-overlap), {@code timePct} relative to all kernels listed,
 * median of an even count = mean of the two middle values, sample standard deviation.
 */
public record KernelSummary(
    String name,
    String category,
    long instances,
    long totalNs,
    double avgNs,
    double medianNs,
    long minNs,
    long maxNs,
    double stdDevNs,
    double timePct) {}
