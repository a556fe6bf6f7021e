package dev.profilemate.kernel.kineto;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.common.Num;
import dev.profilemate.kernel.GraphCoverage;
import dev.profilemate.kernel.IdleGapTracker;
import dev.profilemate.kernel.KernelTable;
import dev.profilemate.kernel.PhaseAccumulator;
import dev.profilemate.kernel.PhaseBreakdown;
import dev.profilemate.kernel.PhaseNames;
import dev.profilemate.kernel.category.CategoryRules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Aggregates a Kineto trace: kernel and memory-operation totals as the events stream past, then
 * one sweep over the GPU operations sorted by device and start for idle gaps and phases.
 *
 * <ul>
 *   <li>Kernels are {@code cat: kernel} events, memory operations {@code gpu_memcpy}/{@code
 *       gpu_memset} (categories matched case-insensitively, as some traces capitalise them).
 *   <li>Graph-launched kernels share the {@code correlation} of a {@code cudaGraphLaunch} (or {@code
 *       cuGraphLaunch}) runtime event, or carry a {@code graph id} argument.
 *   <li>Phases come from {@code gpu_user_annotation} spans (the GPU-side extent of a {@code
 *       record_function}): a kernel belongs to the innermost span on its device that contains its
 *       start.
 * </ul>
 */
public final class KinetoAnalyzer {
  private final CategoryRules rules;
  private final int largestGaps;

  public KinetoAnalyzer(CategoryRules rules, int largestGaps) {
    this.rules = rules;
    this.largestGaps = largestGaps;
  }

  private record Annotation(int device, long start, long end, String name) {}

  public TraceReport analyze(Path file) {
    KernelTable table = new KernelTable(rules);
    GpuOps ops = new GpuOps();
    List<KernelTable.Entry> entries = new ArrayList<>();
    Map<String, Integer> entryIndex = new HashMap<>();
    Set<Long> graphLaunchCorr = new HashSet<>();
    long[] graphLaunches = {0};
    long[] events = {0};
    List<Annotation> annotations = new ArrayList<>();

    KinetoReader.Header header = KinetoReader.read(file, e -> {
      events[0]++;
      String cat = e.cat;
      if (cat == null) {
        return;
      }
      boolean complete = "X".equals(e.ph) && e.tsNs != KinetoEvent.NONE && e.durNs != KinetoEvent.NONE;
      if (cat.equalsIgnoreCase("kernel") || cat.equalsIgnoreCase("gpu_memcpy") || cat.equalsIgnoreCase("gpu_memset")) {
        if (!complete || e.name == null) {
          return;
        }
        boolean kernel = cat.equalsIgnoreCase("kernel");
        Integer idx = entryIndex.get(e.name);
        if (idx == null) {
          idx = entries.size();
          entries.add(kernel ? table.kernel(e.name) : table.memoryOp(e.name));
          entryIndex.put(e.name, idx);
        }
        KernelTable.Entry entry = entries.get(idx);
        long dur = Math.max(0, e.durNs);
        entry.add(dur);
        if (!kernel && e.bytes != KinetoEvent.NONE) {
          entry.addBytes(e.bytes);
        }
        int dev = (int) (e.device != KinetoEvent.NONE ? e.device : e.pid != KinetoEvent.NONE ? e.pid : 0);
        ops.add(e.tsNs, e.tsNs + dur, dev, kernel ? idx : -1 - idx, e.correlation, e.graphArg);
      } else if (cat.equalsIgnoreCase("cuda_runtime") || cat.equalsIgnoreCase("cuda_driver") || cat.equalsIgnoreCase("runtime")) {
        if (e.name != null && (e.name.startsWith("cudaGraphLaunch") || e.name.startsWith("cuGraphLaunch"))) {
          graphLaunches[0]++;
          if (e.correlation != KinetoEvent.NONE) {
            graphLaunchCorr.add(e.correlation);
          }
        }
      } else if (cat.equalsIgnoreCase("gpu_user_annotation") && complete && e.name != null) {
        int dev = (int) (e.device != KinetoEvent.NONE ? e.device : e.pid != KinetoEvent.NONE ? e.pid : 0);
        annotations.add(new Annotation(dev, e.tsNs, e.tsNs + Math.max(0, e.durNs), e.name));
      }
    });

    // graph coverage
    long graphNs = 0;
    long graphKernels = 0;
    for (int i = 0; i < ops.size; i++) {
      if (ops.name[i] >= 0 && (ops.graphArg[i] || (ops.corr[i] != KinetoEvent.NONE && graphLaunchCorr.contains(ops.corr[i])))) {
        graphNs += ops.end[i] - ops.start[i];
        graphKernels++;
      }
    }
    long kernelNs = table.kernelNs();
    GraphCoverage graphs = graphKernels > 0 || graphLaunches[0] > 0
        ? new GraphCoverage(null, "graph-node-kernels", kernelNs, graphNs, graphKernels, graphLaunches[0], null, null,
            Num.pct(graphNs, kernelNs))
        : new GraphCoverage(null, "none", kernelNs, 0L, 0L, 0, null, null, 0);

    // one sweep in (device, start) order: idle gaps and phases
    IdleGapTracker idle = new IdleGapTracker(largestGaps);
    annotations.sort(Comparator.comparingInt(Annotation::device).thenComparingLong(Annotation::start)
        .thenComparing(Comparator.comparingLong(Annotation::end).reversed()));
    boolean probe = annotations.stream().anyMatch(a -> PhaseNames.probePhase(a.name()) != null);
    PhaseAccumulator phases = new PhaseAccumulator();
    PhaseAccumulator.Slot[] slots = new PhaseAccumulator.Slot[annotations.size()];
    for (int i = 0; i < slots.length; i++) {
      Annotation a = annotations.get(i);
      String p = probe ? PhaseNames.probePhase(a.name()) : PhaseNames.withoutStepNumber(a.name());
      if (p != null) {
        slots[i] = phases.phase(p);
        slots[i].addRange(a.end() - a.start());
      }
    }
    PhaseAccumulator.Slot unattributed = annotations.isEmpty() ? null : phases.phase(PhaseBreakdown.UNATTRIBUTED);
    int[] order = ops.order();
    List<Integer> active = new ArrayList<>();
    int next = 0;
    int curDevice = Integer.MIN_VALUE;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (int k : order) {
      int dev = ops.device[k];
      long s = ops.start[k];
      idle.add(dev, s, ops.end[k], k);
      first = Math.min(first, s);
      last = Math.max(last, ops.end[k]);
      if (unattributed == null || ops.name[k] < 0) {
        continue;
      }
      if (dev != curDevice) {
        curDevice = dev;
        active.clear();
        while (next < annotations.size() && annotations.get(next).device() < dev) {
          next++;
        }
      }
      while (next < annotations.size() && annotations.get(next).device() == dev && annotations.get(next).start() <= s) {
        if (slots[next] != null) {
          active.add(next);
        }
        next++;
      }
      active.removeIf(i -> annotations.get(i).end() < s);
      int best = -1;
      for (int i : active) {
        if (best < 0 || annotations.get(i).start() > annotations.get(best).start()
            || (annotations.get(i).start() == annotations.get(best).start() && annotations.get(i).end() < annotations.get(best).end())) {
          best = i;
        }
      }
      KernelTable.Entry entry = entries.get(ops.name[k]);
      (best >= 0 ? slots[best] : unattributed).addKernel(entry.categoryIndex(), ops.end[k] - ops.start[k]);
    }
    PhaseBreakdown phaseBreakdown = unattributed == null
        ? new PhaseBreakdown("none", List.of())
        : phases.result(probe ? "profilemate-annotation" : "gpu-annotation", table.categories());

    TraceReport.Totals totals = new TraceReport.Totals(events[0], table.kernelInstances(), kernelNs,
        table.memoryOpInstances(), table.memoryOpNs(), ops.size == 0 ? null : first, ops.size == 0 ? null : last);
    return new TraceReport(TraceReport.SCHEMA, source(file, header), totals, table.kernelSummaries(),
        table.memoryOpSummaries(), table.categoryTotals(), phaseBreakdown, graphs,
        idle.result(ref -> entries.get(ops.name[(int) ref] >= 0 ? ops.name[(int) ref] : -1 - ops.name[(int) ref]).name()));
  }

  private static TraceReport.Source source(Path file, KinetoReader.Header h) {
    List<TraceReport.Gpu> gpus = new ArrayList<>();
    if (h.deviceProperties != null && h.deviceProperties.isArray()) {
      for (JsonNode d : h.deviceProperties) {
        gpus.add(new TraceReport.Gpu(d.path("id").asInt(gpus.size()), d.path("name").asText(null),
            d.hasNonNull("numSms") ? d.get("numSms").asInt() : null,
            d.hasNonNull("totalGlobalMem") ? d.get("totalGlobalMem").asLong() : null));
      }
    }
    Integer rank = null;
    Integer world = null;
    if (h.distributedInfo != null) {
      rank = h.distributedInfo.hasNonNull("rank") ? h.distributedInfo.get("rank").asInt() : null;
      world = h.distributedInfo.hasNonNull("world_size") ? h.distributedInfo.get("world_size").asInt() : null;
    }
    return new TraceReport.Source(file.getFileName().toString(), h.schemaVersion, gpus, rank, world);
  }
}
