package dev.profilemate.kernel.bench;

import dev.profilemate.common.Num;
import dev.profilemate.kernel.IdleGapTracker;
import dev.profilemate.kernel.KernelJson;
import dev.profilemate.kernel.PhaseBreakdown;
import dev.profilemate.kernel.category.CategoryRules;
import dev.profilemate.kernel.nsys.NsysAnalyzer;
import dev.profilemate.kernel.nsys.NsysReport;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Benchmark main (run by bench/run_nsys_bench.sh): analyses an nsys SQLite export {@code runs}
 * times with {@link NsysAnalyzer}, prints the wall time of each run, the peak Java heap, the
 * process's peak resident memory, and check figures that bench/nsys_pandas.py prints too.
 *
 * <p>usage: NsysBench FILE.sqlite [runs] [--json OUT]
 */
public final class NsysBench {
  private NsysBench() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int runs = args.length > 1 && !args[1].startsWith("--") ? Integer.parseInt(args[1]) : 3;
    Path json = null;
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--json")) {
        json = Path.of(args[i + 1]);
      }
    }
    NsysReport r = null;
    double best = Double.MAX_VALUE;
    double bestCpu = Double.MAX_VALUE;
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int i = 0; i < runs; i++) {
      long c0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      r = new NsysAnalyzer(CategoryRules.defaults(), 10).analyze(file).report();
      double s = (System.nanoTime() - t0) / 1e9;
      double cpu = (os.getProcessCpuTime() - c0) / 1e9;
      best = Math.min(best, s);
      bestCpu = Math.min(bestCpu, cpu);
      System.out.println(Num.f("java run %d: %.3f s (cpu %.3f s)", i + 1, s, cpu));
    }
    long heapPeak = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
        heapPeak += p.getPeakUsage().getUsed();
      }
    }
    System.out.println(Num.f("java best: %.3f s", best));
    System.out.println(Num.f("java best cpu: %.3f s", bestCpu));
    System.out.println(Num.f("java max heap (-Xmx): %.0f MiB; peak heap used (sum of pool peaks): %.1f MiB; peak RSS: %.1f MiB",
        Runtime.getRuntime().maxMemory() / 1048576.0, heapPeak / 1048576.0, vmHwmKb() / 1024.0));
    printChecks("java", r);
    if (json != null) {
      Files.writeString(json, KernelJson.toJson(r));
    }
  }

  static void printChecks(String who, NsysReport r) {
    System.out.println(Num.f("%s check: kernels=%d kernel_ns=%d names=%d graph_kernel_ns=%d", who,
        r.totals().kernelInstances(), r.totals().kernelNs(), r.kernels().size(),
        r.cudaGraphs().graphKernelNs() == null ? 0 : r.cudaGraphs().graphKernelNs()));
    Map<String, Long> cats = new TreeMap<>();
    r.categories().forEach(c -> cats.put(c.category(), c.totalNs()));
    System.out.println(who + " check: category_ns=" + cats);
    Map<String, Long> phases = new TreeMap<>();
    for (PhaseBreakdown.Phase p : r.phases().phases()) {
      phases.put(p.phase(), p.kernelNs());
    }
    System.out.println(who + " check: phase_kernel_ns=" + phases);
    for (IdleGapTracker.DeviceIdle d : r.idle()) {
      System.out.println(Num.f("%s check: device=%d busy_ns=%d idle_ns=%d gaps=%d largest_gap_ns=%d", who, d.device(),
          d.busyNs(), d.idleNs(), d.gapCount(), d.largestGaps().isEmpty() ? 0 : d.largestGaps().get(0).durationNs()));
    }
  }

  private static long vmHwmKb() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmHWM:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      // not Linux
    }
    return 0;
  }
}
