package dev.profilemate.kernel;

import dev.profilemate.common.Num;
import dev.profilemate.kernel.IdleGapTracker.DeviceIdle;
import dev.profilemate.kernel.IdleGapTracker.IdleGap;
import java.util.List;

/** Text sections shared by the nsys and trace summaries. */
public final class KernelText {
  private KernelText() {}

  /** The part of the nsys and trace text summaries after their own header lines. */
  public static String body(long kernelInstances, long kernelNs, long memoryOpInstances, long memoryOpNs,
      List<KernelSummary> kernels, List<MemoryOpSummary> memoryOps, List<CategoryTotal> categories,
      PhaseBreakdown phases, GraphCoverage graphs, List<DeviceIdle> idle, int top, int gaps) {
    StringBuilder sb = new StringBuilder();
    sb.append(Num.f("Kernels: %d executions of %d names, %s; memory operations: %d, %s%n%n", kernelInstances,
        kernels.size(), Num.time(kernelNs), memoryOpInstances, Num.time(memoryOpNs)));
    sb.append(kernels(kernels, top)).append('\n');
    if (!memoryOps.isEmpty()) {
      TextTable m = new TextTable("memory operation", "instances>", "total>", "bytes>");
      for (MemoryOpSummary o : memoryOps) {
        m.row(o.name(), o.instances(), Num.time(o.totalNs()), o.bytes());
      }
      sb.append(m.render("  ")).append('\n');
    }
    sb.append(categories(categories)).append('\n');
    sb.append(phases(phases)).append('\n');
    sb.append(graphs(graphs)).append('\n');
    sb.append(idle(idle, gaps));
    return sb.toString();
  }

  public static String kernels(List<KernelSummary> kernels, int top) {
    StringBuilder sb = new StringBuilder();
    sb.append(Num.f("Top kernels by GPU time (%d of %d names)%n", Math.min(top, kernels.size()), kernels.size()));
    TextTable t = new TextTable("time%>", "total>", "instances>", "avg>", "median>", "category", "name");
    for (KernelSummary k : kernels.subList(0, Math.min(top, kernels.size()))) {
      t.row(Num.f("%.1f", k.timePct()), Num.time(k.totalNs()), k.instances(), Num.time(k.avgNs()), Num.time(k.medianNs()),
          k.category(), Num.clip(KernelNames.baseName(k.name()), 90));
    }
    return sb.append(t.render("  ")).toString();
  }

  public static String categories(List<CategoryTotal> cats) {
    StringBuilder sb = new StringBuilder("GPU time by category (kernels and memory operations)\n");
    TextTable t = new TextTable("category", "time>", "time%>", "instances>", "names>");
    for (CategoryTotal c : cats) {
      t.row(c.category(), Num.time(c.totalNs()), Num.f("%.1f", c.timePct()), c.instances(), c.distinctNames());
    }
    return sb.append(t.render("  ")).toString();
  }

  public static String phases(PhaseBreakdown p) {
    if (p.phases().isEmpty()) {
      return "Phases: none (no NVTX ranges or annotations around kernel launches)\n";
    }
    StringBuilder sb = new StringBuilder(Num.f("Kernel time by phase (source: %s)%n", p.source()));
    TextTable t = new TextTable("phase", "ranges>", "gpu wall>", "kernels>", "kernel time>", "time%>", "top categories");
    int shown = 0;
    for (PhaseBreakdown.Phase ph : p.phases()) {
      if (shown++ == 25) {
        sb.append(Num.f("  (%d more phases in the JSON output)%n", p.phases().size() - 25));
        break;
      }
      StringBuilder cats = new StringBuilder();
      for (int i = 0; i < Math.min(3, ph.categories().size()); i++) {
        PhaseBreakdown.CategoryNs c = ph.categories().get(i);
        if (i > 0) {
          cats.append(", ");
        }
        cats.append(c.category()).append(' ').append(Num.f("%.0f%%", ph.kernelNs() == 0 ? 0.0 : 100.0 * c.ns() / ph.kernelNs()));
      }
      String kt = Num.time(ph.kernelNs()) + (ph.graphLaunchSpanNs() > 0 ? " + graphs " + Num.time(ph.graphLaunchSpanNs()) : "");
      t.row(Num.clip(ph.phase(), 40), ph.ranges(), ph.wallNs() == 0 ? "" : Num.time(ph.wallNs()), ph.kernelInstances(), kt,
          Num.f("%.1f", ph.kernelPct()), cats);
    }
    return sb.append(t.render("  ")).toString();
  }

  public static String graphs(GraphCoverage g) {
    return switch (g.method()) {
      case "graph-node-kernels" -> Num.f(
          "CUDA graphs: %.1f%% of kernel time launched from graphs (%d kernels, %s, in %d launches)%n",
          g.graphSharePct(), g.graphKernelInstances(), Num.time(g.graphKernelNs()), g.graphLaunches());
      case "graph-launch-spans" -> Num.f(
          "CUDA graphs: %.1f%% of GPU time in graph launches (%d launches of %d graph(s), %s; capture mode '%s' hides"
              + " the kernels inside graphs, so this upper bound includes gaps within each graph)%n",
          g.graphSharePct(), g.graphLaunches(), g.distinctGraphs(), Num.time(g.graphLaunchSpanNs()), g.captureMode());
      default -> "CUDA graphs: no graph launches seen\n";
    };
  }

  public static String idle(List<DeviceIdle> devices, int gaps) {
    if (devices.isEmpty()) {
      return "GPU idle: no GPU operations\n";
    }
    StringBuilder sb = new StringBuilder();
    for (DeviceIdle d : devices) {
      sb.append(Num.f("GPU %d idle: %s of %s (%.1f%%) in %d gaps between GPU operations; busy %s%n", d.device(),
          Num.time(d.idleNs()), Num.time(d.spanNs()), d.idlePct(), d.gapCount(), Num.time(d.busyNs())));
      StringBuilder b = new StringBuilder("  gaps by size:");
      for (IdleGapTracker.GapBucket g : d.gapsBySize()) {
        b.append(Num.f(" %s %d (%s);", g.range(), g.count(), Num.time(g.totalNs())));
      }
      sb.append(b, 0, b.length() - 1).append('\n');
      List<IdleGap> l = d.largestGaps();
      for (int i = 0; i < Math.min(gaps, l.size()); i++) {
        IdleGap g = l.get(i);
        sb.append(Num.f("  %10s at %d after %s, before %s%n", Num.time(g.durationNs()), g.startNs(),
            Num.clip(KernelNames.baseName(g.before()), 50), Num.clip(KernelNames.baseName(g.after()), 50)));
      }
    }
    return sb.toString();
  }
}
