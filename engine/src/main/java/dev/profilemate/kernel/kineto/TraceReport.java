package dev.profilemate.kernel.kineto;

import dev.profilemate.kernel.CategoryTotal;
import dev.profilemate.kernel.GraphCoverage;
import dev.profilemate.kernel.IdleGapTracker.DeviceIdle;
import dev.profilemate.kernel.KernelSummary;
import dev.profilemate.kernel.MemoryOpSummary;
import dev.profilemate.kernel.PhaseBreakdown;
import java.util.List;

/**
 * Result of {@code profilemate trace}: the same sections as the nsys result (schema {@value
 * #SCHEMA}; see docs/kernel-analysis.md), from a PyTorch profiler trace. Times are integer
 * nanoseconds on the trace's own time base ({@code ts} × 1000).
 */
public record TraceReport(
    String schema,
    Source source,
    Totals totals,
    List<KernelSummary> kernels,
    List<MemoryOpSummary> memoryOps,
    List<CategoryTotal> categories,
    PhaseBreakdown phases,
    GraphCoverage cudaGraphs,
    List<DeviceIdle> idle) {

  public static final String SCHEMA = "profilemate.kernel.trace/1";

  /** The file, its GPUs ({@code deviceProperties}) and, for distributed runs, the rank. */
  public record Source(String file, String schemaVersion, List<Gpu> gpus, Integer rank, Integer worldSize) {}

  /** A GPU as {@code deviceProperties} lists it (no bandwidth or clock there). */
  public record Gpu(int id, String name, Integer numSms, Long totalGlobalMemBytes) {}

  /** Whole-trace totals. */
  public record Totals(
      long events,
      long kernelInstances,
      long kernelNs,
      long memoryOpInstances,
      long memoryOpNs,
      Long firstGpuStartNs,
      Long lastGpuEndNs) {}
}
