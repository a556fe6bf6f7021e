package dev.profilemate.kernel.nsys;

import dev.profilemate.common.Num;
import dev.profilemate.kernel.KernelText;

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
    sb.append(KernelText.body(t.kernelInstances(), t.kernelNs(), t.memoryOpInstances(), t.memoryOpNs(), r.kernels(),
        r.memoryOps(), r.categories(), r.phases(), r.cudaGraphs(), r.idle(), top, gaps));
    return sb.toString();
  }

  private static String nz(String s) {
    return s == null ? "?" : s;
  }
}
