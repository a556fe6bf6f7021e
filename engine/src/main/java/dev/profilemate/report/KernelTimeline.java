package dev.profilemate.report;

import dev.profilemate.kernel.CategoryTotal;
import dev.profilemate.kernel.KernelNames;
import dev.profilemate.kernel.KernelSummary;
import dev.profilemate.kernel.MemoryOpSummary;
import dev.profilemate.kernel.kineto.TraceReport;
import dev.profilemate.kernel.nsys.NsysReport;
import java.util.ArrayList;
import java.util.List;

/**
 * One GPU timeline (an nsys export or a PyTorch profiler trace) as the report shows it: time per
 * kernel category, the top kernels, the phase split, CUDA-graph coverage and idle gaps. Times in
 * ms; shares in percent.
 */
record KernelTimeline(
    String source,
    String file,
    String describe,
    List<String> gpus,
    long kernelInstances,
    double kernelMs,
    long memoryOpInstances,
    double memoryOpMs,
    int kernelNames,
    List<Category> categories,
    List<TopKernel> topKernels,
    List<MemoryOp> memoryOps,
    KernelPhases phases,
    GraphShare graphs,
    GpuIdle idle) {

  static final int TOP_KERNELS = 20;
  static final String MEMCPY = "memcpy/memset";

  /**
   * A category's GPU time. {@code gpuTimePct}: of kernels and memory operations together (the
   * analyzers' share); {@code kernelTimePct}: of kernel time alone (memory operations left out).
   */
  record Category(String category, long instances, double ms, double gpuTimePct, double kernelTimePct,
      int distinctNames) {}

  /** One kernel name (the full demangled name, and the base name the category rules test). */
  record TopKernel(String name, String baseName, String category, long instances, double totalMs, double avgUs,
      double medianUs, double timePct) {}

  record MemoryOp(String name, long instances, double ms, long bytes) {}

  static KernelTimeline of(NsysReport r) {
    NsysReport.Source s = r.source();
    List<String> gpus = new ArrayList<>();
    s.gpus().forEach(g -> gpus.add("GPU " + g.id() + ": " + g.name()));
    String describe = "Nsight Systems export (nsys " + orUnknown(s.exporterVersion()) + ", CUDA graph trace: "
        + orUnknown(s.cudaGraphTraceMode()) + ")";
    NsysReport.Totals t = r.totals();
    GraphShare graphs = GraphShare.of(r.cudaGraphs());
    return new KernelTimeline("nsys", s.file(), describe, gpus, t.kernelInstances(), ms(t.kernelNs()),
        t.memoryOpInstances(), ms(t.memoryOpNs()), r.kernels().size(),
        categories(r.categories(), t.kernelNs(), t.memoryOpNs()), top(r.kernels()), memoryOps(r.memoryOps()),
        KernelPhases.of(r.phases(), graphs.spansRecorded()), graphs, GpuIdle.of(r.idle()));
  }

  static KernelTimeline of(TraceReport r) {
    TraceReport.Source s = r.source();
    List<String> gpus = new ArrayList<>();
    s.gpus().forEach(g -> gpus.add("GPU " + g.id() + ": " + g.name()));
    String describe = "PyTorch profiler trace" + (s.rank() == null ? "" : " of rank " + s.rank()
        + (s.worldSize() == null ? "" : " of " + s.worldSize()));
    TraceReport.Totals t = r.totals();
    GraphShare graphs = GraphShare.of(r.cudaGraphs());
    return new KernelTimeline("trace", s.file(), describe, gpus, t.kernelInstances(), ms(t.kernelNs()),
        t.memoryOpInstances(), ms(t.memoryOpNs()), r.kernels().size(),
        categories(r.categories(), t.kernelNs(), t.memoryOpNs()), top(r.kernels()), memoryOps(r.memoryOps()),
        KernelPhases.of(r.phases(), graphs.spansRecorded()), graphs, GpuIdle.of(r.idle()));
  }

  /** The GPU-time share of one category, 0 when absent. */
  double gpuTimePct(String category) {
    return categories.stream().filter(c -> c.category().equals(category)).mapToDouble(Category::gpuTimePct)
        .findFirst().orElse(0);
  }

  static double ms(double ns) {
    return ns / 1e6;
  }

  private static List<Category> categories(List<CategoryTotal> in, long kernelNs, long memoryOpNs) {
    List<Category> out = new ArrayList<>();
    for (CategoryTotal c : in) {
      // every memory operation is in memcpy/memset (with any kernels a rule puts there)
      long kernelPart = c.category().equals(MEMCPY) ? c.totalNs() - memoryOpNs : c.totalNs();
      double kernelPct = kernelPart > 0 && kernelNs > 0 ? 100.0 * kernelPart / kernelNs
          : c.category().equals(MEMCPY) ? Double.NaN : 0;
      out.add(new Category(c.category(), c.instances(), ms(c.totalNs()), c.timePct(), kernelPct, c.distinctNames()));
    }
    return List.copyOf(out);
  }

  private static List<TopKernel> top(List<KernelSummary> kernels) {
    List<TopKernel> out = new ArrayList<>();
    for (KernelSummary k : kernels.subList(0, Math.min(TOP_KERNELS, kernels.size()))) {
      out.add(new TopKernel(k.name(), KernelNames.baseName(k.name()), k.category(), k.instances(), ms(k.totalNs()),
          k.avgNs() / 1e3, k.medianNs() / 1e3, k.timePct()));
    }
    return List.copyOf(out);
  }

  private static List<MemoryOp> memoryOps(List<MemoryOpSummary> ops) {
    return ops.stream().map(o -> new MemoryOp(o.name(), o.instances(), ms(o.totalNs()), o.bytes())).toList();
  }

  private static String orUnknown(String s) {
    return s == null || s.isBlank() ? "unknown" : s;
  }
}
