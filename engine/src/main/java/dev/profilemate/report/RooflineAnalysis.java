package dev.profilemate.report;

import dev.profilemate.kernel.KernelNames;
import dev.profilemate.kernel.ncu.NcuReport;
import java.util.ArrayList;
import java.util.List;

/**
 * Nsight Compute results as the report shows them: achieved DRAM bandwidth and SM throughput per
 * top kernel against the GPU's peak, time per bound class, and the roofline position of the
 * kernels whose arithmetic intensity is known (SASS FP math, no tensor cores, some FLOPs).
 */
record RooflineAnalysis(
    SectionStatus status,
    String file,
    String page,
    long launches,
    double profiledUs,
    int kernelNames,
    Peaks gpu,
    List<Bound> byBound,
    List<Kernel> topKernels,
    List<Point> roofline,
    long tensorCoreKernels,
    long kernelsWithoutFlops,
    long memorySide,
    long computeSide,
    Gemms gemms) {

  static final int TOP_KERNELS = 20;
  static final int MAX_POINTS = 200;
  static final RooflineAnalysis NONE = new RooflineAnalysis(SectionStatus.notRecorded(
      "Pass --ncu FILE.csv (ncu --csv --page raw or details) to profilemate report."), "", "", 0, 0, 0, null,
      List.of(), List.of(), List.of(), 0, 0, 0, 0, Gemms.of(List.of()));

  /** The peaks used: GB/s, TFLOPS, ridge points in FLOP/byte; null where unknown. */
  record Peaks(String deviceName, String peakTable, Double dramGbps, String dramFrom, Double tensorTflops,
      Double fp32Tflops, Double ridgeTensor, Double ridgeFp32) {}

  record Bound(String bound, long launches, double us, double timePct) {}

  record Kernel(String name, String baseName, String category, long launches, double totalUs, double timePct,
      Double dramGbps, Double dramPctOfPeak, Double smPct, Double memoryPct, Double flopPerByte, Double gflops,
      boolean tensorCores, String bound, String rooflineSide) {}

  /** A kernel on the roofline: intensity in FLOP/byte, achieved GFLOP/s. */
  record Point(String name, String baseName, String category, double flopPerByte, double gflops, double timePct,
      String side) {}

  static RooflineAnalysis of(NcuReport r) {
    if (r == null) {
      return NONE;
    }
    NcuReport.Gpu g = r.gpu();
    Peaks peaks = new Peaks(g.deviceName(), g.peakTable(), scale(g.peakDramBytesPerSec(), 1e9), g.peakDramSource(),
        scale(g.peakTensorFlopsPerSec(), 1e12), scale(g.peakFp32FlopsPerSec(), 1e12), g.ridgeTensorFlopPerByte(),
        g.ridgeFp32FlopPerByte());
    List<Bound> bounds = r.summary().byBound().stream()
        .map(b -> new Bound(b.bound(), b.launches(), b.durationNs() / 1e3, b.timePct())).toList();
    List<Kernel> top = new ArrayList<>();
    List<Point> points = new ArrayList<>();
    long tensor = 0;
    long noFlops = 0;
    long memory = 0;
    long compute = 0;
    for (NcuReport.KernelRow k : r.kernels()) {
      // SASS FP counts miss tensor-core math, so no achieved FLOP/s for tensor-core kernels
      Double gflops = !k.tensorCores() && k.flops() != null && k.totalDurationNs() > 0
          ? Double.valueOf(k.flops() / k.totalDurationNs()) : null;
      if (top.size() < TOP_KERNELS) {
        top.add(new Kernel(k.name(), KernelNames.baseName(k.name()), k.category(), k.launches(),
            k.totalDurationNs() / 1e3, k.timePct(), scale(k.dramBytesPerSec(), 1e9), k.dramPctOfPeak(), k.ncuSmPct(),
            k.ncuMemoryPct() != null ? k.ncuMemoryPct() : k.ncuDramPct(), k.arithmeticIntensity(), gflops,
            k.tensorCores(), k.bound(), k.rooflineSide()));
      }
      if (k.tensorCores()) {
        tensor++;
      } else if (k.arithmeticIntensity() == null || k.arithmeticIntensity() <= 0 || gflops == null || gflops <= 0) {
        noFlops++;
      } else {
        memory += "memory".equals(k.rooflineSide()) ? 1 : 0;
        compute += "compute".equals(k.rooflineSide()) ? 1 : 0;
        if (points.size() < MAX_POINTS) {
          points.add(new Point(k.name(), KernelNames.baseName(k.name()), k.category(), k.arithmeticIntensity(), gflops,
              k.timePct(), k.rooflineSide()));
        }
      }
    }
    return new RooflineAnalysis(SectionStatus.RECORDED, r.source().file(), r.source().page(), r.summary().launches(),
        r.summary().totalDurationNs() / 1e3, r.kernels().size(), peaks, bounds, List.copyOf(top), List.copyOf(points),
        tensor, noFlops, memory, compute, Gemms.of(r.kernels()));
  }

  /**
   * GEMM and MoE kernels (by category) over all profiled kernels: their share of profiled time, how
   * that time splits by bound class, and time-weighted DRAM bandwidth and SM throughput.
   */
  record Gemms(long kernels, long launches, double timePct, double memoryBoundPct, double latencyBoundPct,
      double computeBoundPct, double dramPctOfPeak, double smPct) {

    static Gemms of(List<NcuReport.KernelRow> rows) {
      long names = 0;
      long launches = 0;
      double pct = 0;
      double ns = 0;
      double[] byBound = new double[3];
      double[] dram = new double[2];
      double[] sm = new double[2];
      for (NcuReport.KernelRow k : rows) {
        if (!k.category().equals("gemm") && !k.category().equals("moe")) {
          continue;
        }
        names++;
        launches += k.launches();
        pct += k.timePct();
        double d = k.totalDurationNs();
        ns += d;
        switch (k.bound()) {
          case "memory" -> byBound[0] += d;
          case "latency" -> byBound[1] += d;
          case "compute" -> byBound[2] += d;
          default -> { }
        }
        weigh(dram, k.dramPctOfPeak(), d);
        weigh(sm, k.ncuSmPct(), d);
      }
      return new Gemms(names, launches, pct, share(byBound[0], ns), share(byBound[1], ns), share(byBound[2], ns),
          share(dram[0], dram[1]) / 100, share(sm[0], sm[1]) / 100);
    }

    private static void weigh(double[] acc, Double v, double w) {
      if (v != null) {
        acc[0] += v * w;
        acc[1] += w;
      }
    }

    private static double share(double part, double whole) {
      return whole > 0 ? 100.0 * part / whole : Double.NaN;
    }
  }

  Bound bound(String name) {
    return byBound.stream().filter(b -> b.bound().equals(name)).findFirst()
        .orElse(new Bound(name, 0, 0, 0));
  }

  private static Double scale(Double v, double by) {
    return v == null ? null : v / by;
  }
}
