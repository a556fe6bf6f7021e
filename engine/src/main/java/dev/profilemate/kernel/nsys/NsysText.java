package dev.profilemate.kernel.nsys;

import dev.profilemate.kernel.KernelText;
import dev.profilemate.kernel.MemoryOpSummary;
import dev.profilemate.kernel.Num;
import dev.profilemate.kernel.TextTable;

/** The readable summary that {@code profilemate nsys} prints. */
final class NsysText {
  private NsysText() {}

  static String render(NsysReport r, int top, int gaps) {
    StringBuilder sb = new StringBuilder();
    NsysReport.Source s = r.source();
    sb.append(Num.f("Nsight Systems export %s (nsys %s, schema %s, CUDA graph trace: %s)%n", s.file(),
        nz(s.exporterVersion()), nz(s.schemaVersion()), s.cudaGraphTraceMode() == null ? "not recorded" : s.cudaGraphTraceMode()));
    for (NsysDatabase.Gpu g : s.gpus()) {
      sb.append(Num.f("GPU %d: %s%s%s%n", g.id(), g.name(), g.smCount() == null ? "" : ", " + g.smCount() + " SMs",
          g.memoryBandwidthBytesPerSec() == null ? "" : Num.f(", %.0f GB/s", g.memoryBandwidthBytesPerSec() / 1e9)));
    }
    NsysReport.Totals t = r.totals();
    sb.append(Num.f("Kernels: %d executions of %d names, %s; memory operations: %d, %s%n%n", t.kernelInstances(),
        r.kernels().size(), Num.time(t.kernelNs()), t.memoryOpInstances(), Num.time(t.memoryOpNs())));
    sb.append(KernelText.kernels(r.kernels(), top)).append('\n');
    if (!r.memoryOps().isEmpty()) {
      TextTable m = new TextTable("memory operation", "instances>", "total>", "bytes>");
      for (MemoryOpSummary o : r.memoryOps()) {
        m.row(o.name(), o.instances(), Num.time(o.totalNs()), o.bytes());
      }
      sb.append(m.render("  ")).append('\n');
    }
    sb.append(KernelText.categories(r.categories())).append('\n');
    sb.append(KernelText.phases(r.phases())).append('\n');
    sb.append(KernelText.graphs(r.cudaGraphs())).append('\n');
    sb.append(KernelText.idle(r.idle(), gaps));
    return sb.toString();
  }

  private static String nz(String s) {
    return s == null ? "?" : s;
  }
}
