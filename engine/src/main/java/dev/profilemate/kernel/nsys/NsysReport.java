package dev.profilemate.kernel.nsys;

import dev.profilemate.kernel.CategoryTotal;
import dev.profilemate.kernel.GraphCoverage;
import dev.profilemate.kernel.IdleGapTracker.DeviceIdle;
import dev.profilemate.kernel.KernelSummary;
import dev.profilemate.kernel.MemoryOpSummary;
import dev.profilemate.kernel.PhaseBreakdown;
import java.util.List;

/**
 * Result of {@code profilemate nsys}: one record per section, written as JSON in this component
 * order (schema {@value #SCHEMA}; see docs/kernel-analysis.md). All times are integer
 * nanoseconds on the export's own time base unless a name says otherwise.
 */
public record NsysReport(
    String schema,
    Source source,
    Totals totals,
    List<KernelSummary> kernels,
    List<MemoryOpSummary> memoryOps,
    List<CategoryTotal> categories,
    PhaseBreakdown phases,
    List<NvtxRangeSummary> nvtxRanges,
    GraphCoverage cudaGraphs,
    List<DeviceIdle> idle) {

  public static final String SCHEMA = "profilemate.kernel.nsys/1";

  /** The file and what it says about itself. */
  public record Source(
      String file,
      String exporterVersion,
      String schemaVersion,
      String cudaGraphTraceMode,
      List<NsysDatabase.Gpu> gpus) {}

  /** Whole-file totals: kernels and memory operations counted in full. */
  public record Totals(
      long kernelInstances,
      long kernelNs,
      long memoryOpInstances,
      long memoryOpNs,
      long graphLaunchSpans,
      Long firstGpuStartNs,
      Long lastGpuEndNs) {}

  /**
   * NVTX ranges of one name: how many, their CPU duration, their GPU projection (as nsys
   * nvtx_gpu_proj_trace: first start to last end of the GPU operations launched inside them,
   * graph-mode launch spans excluded), the distinct launches behind those operations, and the
   * kernels launched inside them (nested ranges count a kernel in every enclosing range, as nsys
   * nvtx_kern_sum does).
   */
  public record NvtxRangeSummary(
      String name,
      long instances,
      long cpuNs,
      long projectedNs,
      long gpuOps,
      long kernelInstances,
      long kernelNs) {}
}
