package dev.profilemate.kernel.ncu;

import java.util.List;

/**
 * Result of {@code profilemate ncu} (schema {@value #SCHEMA}; see docs/kernel-analysis.md). Units:
 * ns, bytes, bytes/s, FLOP, FLOP/s, FLOP/byte; {@code *Pct} are percentages. Null means the CSV
 * did not have what the value needs.
 */
public record NcuReport(
    String schema,
    Source source,
    Gpu gpu,
    Summary summary,
    List<KernelRow> kernels,
    List<LaunchRow> launches) {

  public static final String SCHEMA = "profilemate.kernel.ncu/1";

  /** {@code page}: raw or details; {@code skippedLines}: lines before the CSV header (program output, ==PROF==). */
  public record Source(String file, String page, int skippedLines, int launches) {}

  /**
   * The peaks used. {@code peakDramSource}: {@code datasheet} (the built-in GPU catalogue's
   * entry {@code peakTable}, profilemate/gpus.json), the path of the {@code --gpu-peaks} file it came from, or {@code ncu-counters} (dram__bytes.sum.peak_sustained × DRAM clock, when the GPU
   * is not in the table). Ridge points are peak FLOP/s ÷ peak DRAM bytes/s.
   */
  public record Gpu(
      String deviceName,
      String peakTable,
      Double peakDramBytesPerSec,
      String peakDramSource,
      Double counterPeakDramBytesPerSec,
      Double peakTensorFlopsPerSec,
      Double peakFp32FlopsPerSec,
      Double ridgeTensorFlopPerByte,
      Double ridgeFp32FlopPerByte) {}

  /** Totals, and time per bound class. */
  public record Summary(long launches, double totalDurationNs, List<BoundShare> byBound) {}

  /** Kernels whose {@code bound} is this class: how many launches and how much time. */
  public record BoundShare(String bound, long launches, double durationNs, double timePct) {}

  /**
   * All launches of one kernel name, by total duration. Throughputs are over the launches together
   * (total bytes ÷ total time); ncu's percentages are duration-weighted means.
   */
  public record KernelRow(
      String name,
      String category,
      long launches,
      double totalDurationNs,
      double avgDurationNs,
      double timePct,
      Double dramBytes,
      Double dramBytesPerSec,
      Double dramPctOfPeak,
      Double ncuDramPct,
      Double ncuMemoryPct,
      Double ncuSmPct,
      Double flops,
      Double arithmeticIntensity,
      boolean tensorCores,
      Double ridgePoint,
      String rooflineSide,
      String bound) {}

  /**
   * One profiled launch. {@code tensorCores}: the tensor pipe was used (tensor instructions or
   * active cycles). {@code arithmeticIntensity}: SASS FP FLOPs ÷ DRAM bytes, and {@code rooflineSide}
   * where it sits against the ridge point (memory below, compute above); both null for tensor-core
   * kernels, whose math the SASS counters miss. {@code bound}: ncu's speed-of-light view: latency when memory and SM throughput
   * are both under 60% of peak, else the larger of the two.
   */
  public record LaunchRow(
      int id,
      String name,
      String category,
      String gridSize,
      String blockSize,
      Double durationNs,
      Double dramBytes,
      Double dramBytesPerSec,
      Double dramPctOfPeak,
      Double ncuDramPct,
      Double ncuMemoryPct,
      Double ncuSmPct,
      Double flops,
      Double flopsPerSec,
      Double tensorInstructions,
      boolean tensorCores,
      Double arithmeticIntensity,
      Double ridgePoint,
      String rooflineSide,
      String bound) {}
}
