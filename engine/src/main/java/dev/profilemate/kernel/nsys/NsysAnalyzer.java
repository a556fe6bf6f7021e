package dev.profilemate.kernel.nsys;

import dev.profilemate.common.Num;
import dev.profilemate.kernel.GraphCoverage;
import dev.profilemate.kernel.IdleGapTracker;
import dev.profilemate.kernel.KernelTable;
import dev.profilemate.kernel.PhaseAccumulator;
import dev.profilemate.kernel.PhaseBreakdown;
import dev.profilemate.kernel.PhaseNames;
import dev.profilemate.kernel.category.CategoryRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an Nsight Systems SQLite export and aggregates it in streaming passes: NVTX ranges
 * (small, loaded), CUDA API calls (collapsed to correlation-id segments per range), then every GPU
 * operation once, merged across the kernel, memcpy, memset and graph-launch tables in start order.
 * Rows are read in the file's own order, which nsys writes sorted by start; if a table turns out
 * not to be, the pass is repeated with {@code ORDER BY}.
 */
public final class NsysAnalyzer {
  static final String KERNEL = "CUPTI_ACTIVITY_KIND_KERNEL";
  static final String RUNTIME = "CUPTI_ACTIVITY_KIND_RUNTIME";
  static final String MEMCPY = "CUPTI_ACTIVITY_KIND_MEMCPY";
  static final String MEMSET = "CUPTI_ACTIVITY_KIND_MEMSET";
  static final String GRAPH_TRACE = "CUPTI_ACTIVITY_KIND_GRAPH_TRACE";

  /** ENUM_CUDA_MEMCPY_OPER, shipped here because exports do not always carry the enum tables. */
  static final String[] COPY_KINDS = {
    "Unknown", "Host-to-Device", "Device-to-Host", "Host-to-Array", "Array-to-Host", "Array-to-Array",
    "Array-to-Device", "Device-to-Array", "Device-to-Device", "Host-to-Host", "Peer-to-Peer",
    "Unified Host-to-Device", "Unified Device-to-Host", "Unified Device-to-Device"
  };

  private final CategoryRules rules;
  private final int largestGaps;

  public NsysAnalyzer(CategoryRules rules, int largestGaps) {
    this.rules = rules;
    this.largestGaps = largestGaps;
  }

  /** The report plus the per-range projections (the CSV's nvtx_ranges table). */
  public record Result(NsysReport report, List<RangeProjection> ranges) {}

  /** One NVTX range projected onto the GPU, as nsys nvtx_gpu_proj_trace lists it. */
  public record RangeProjection(
      int id,
      String name,
      String style,
      long pid,
      long tid,
      int level,
      Integer parentId,
      long origStartNs,
      long origDurationNs,
      Long projectedStartNs,
      Long projectedDurationNs,
      long gpuOps,
      long kernelInstances,
      long kernelNs) {}

  public Result analyze(Path file) {
    try (NsysDatabase db = NsysDatabase.open(file)) {
      try {
        return analyze(db);
      } catch (SQLException e) {
        throw db.error(e);
      }
    }
  }

  private Result analyze(NsysDatabase db) throws SQLException {
    return analyzeOnce(db);
  }

  private Result analyzeOnce(NsysDatabase db) throws SQLException {
    Map<String, String> meta = db.exportMetadata();
    String mode = db.cudaGraphTraceMode();
    NvtxRanges ranges = NvtxRanges.load(db);
    boolean phases = ranges.size() > 0 && db.hasTable(RUNTIME);
    GpuPass pass = null;
    if (phases && Integer.getInteger("profilemate.nsys.threads", 2) > 1) {
      // the launch calls are read on a second connection and thread while this one reads the GPU operations
      LaunchRanges launches = new LaunchRanges(ranges);
      LaunchBuilder builder = new LaunchBuilder(db.file(), ranges, launches);
      builder.start();
      try {
        pass = gpuPass(db, ranges, launches);
      } catch (LaunchRanges.BuilderFailedException e) {
        pass = null;
      } finally {
        builder.finish();
      }
      if (builder.error != null) {
        throw builder.error;
      }
      if (builder.outOfOrder) {
        pass = null;
      }
    }
    if (pass == null) {
      LaunchRanges launches = null;
      if (phases) {
        try {
          launches = buildLaunches(db, ranges, false);
        } catch (LaunchRanges.OutOfOrderException e) {
          launches = buildLaunches(db, ranges, true);
        }
      }
      pass = gpuPass(db, ranges, launches);
    }
    NsysReport.Source source = new NsysReport.Source(
        db.file().getFileName().toString(),
        meta.get("EXPORT_PRODUCT_VERSION"),
        meta.get("EXPORT_SCHEMA_VERSION"),
        mode,
        db.gpus());
    return pass.result(source, mode);
  }

  private GpuPass gpuPass(NsysDatabase db, NvtxRanges ranges, LaunchRanges launches) throws SQLException {
    try {
      GpuPass pass = new GpuPass(db, ranges, launches);
      pass.run(false);
      return pass;
    } catch (IdleGapTracker.OutOfOrderException e) {
      GpuPass pass = new GpuPass(db, ranges, launches);
      pass.run(true);
      return pass;
    }
  }

  /** Builds {@link LaunchRanges} on its own connection and thread. */
  private static final class LaunchBuilder extends Thread {
    final Path file;
    final NvtxRanges ranges;
    final LaunchRanges launches;
    volatile RuntimeException error;
    volatile boolean outOfOrder;

    LaunchBuilder(Path file, NvtxRanges ranges, LaunchRanges launches) {
      super("profilemate-nsys-launches");
      setDaemon(true);
      this.file = file;
      this.ranges = ranges;
      this.launches = launches;
    }

    @Override
    public void run() {
      try (NsysDatabase db = NsysDatabase.open(file)) {
        try {
          readLaunches(db, ranges.copyForThread(), launches, false);
        } catch (SQLException e) {
          throw db.error(e);
        }
      } catch (LaunchRanges.OutOfOrderException e) {
        outOfOrder = true;
        launches.fail();
      } catch (RuntimeException e) {
        error = e;
        launches.fail();
      } catch (Error e) {
        error = new IllegalStateException(e);
        launches.fail();
      }
    }

    void finish() {
      boolean interrupted = false;
      while (true) {
        try {
          join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static LaunchRanges buildLaunches(NsysDatabase db, NvtxRanges ranges, boolean sorted) throws SQLException {
    LaunchRanges lr = new LaunchRanges(ranges);
    readLaunches(db, ranges, lr, sorted);
    return lr;
  }

  private static void readLaunches(NsysDatabase db, NvtxRanges ranges, LaunchRanges lr, boolean sorted) throws SQLException {
    // Only calls that can put work on the GPU (kernel and graph launches, memcpy, memset) carry the
    // correlation ids of GPU operations; skipping the rest keeps the segments exact and the pass short.
    String launchNames = "SELECT id FROM StringIds WHERE value LIKE '%launch%' OR value LIKE '%memcpy%' OR value LIKE '%memset%'";
    // Column 2 packs the correlation id with the call's duration (clamped; the real end is read if it is).
    String sql = "SELECT globalTid, (correlationId & 4294967295) | (min(end - start, 4294967295) << 32), start, end FROM "
        + RUNTIME + " WHERE nameId IN (" + launchNames + ")" + (sorted ? " ORDER BY correlationId" : "");
    try (PreparedStatement st = db.connection().prepareStatement(sql)) {
      st.setFetchSize(4096);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          long tid = rs.getLong(1);
          long packed = rs.getLong(2);
          long corr = packed & 0xFFFFFFFFL;
          int r = -1;
          if (ranges.hasThread(tid)) {
            long start = rs.getLong(3);
            long dur = packed >>> 32;
            long end = dur == 0xFFFFFFFFL ? rs.getLong(4) : start + dur;
            r = ranges.innermost(tid, start, end);
          }
          lr.add((tid >> 24) & 0xFFFFFF, corr, r);
        }
      }
    }
    lr.finish();
  }

  /** One pass over all GPU operations; a fresh instance per attempt. */
  private final class GpuPass {
    final NsysDatabase db;
    final NvtxRanges ranges;
    final LaunchRanges launches;
    final KernelTable table = new KernelTable(rules);
    final IdleGapTracker idle = new IdleGapTracker(largestGaps);
    KernelTable.Entry[] byNameId = new KernelTable.Entry[1024];
    final Map<Long, KernelTable.Entry> byLargeNameId = new HashMap<>();
    final KernelTable.Entry[] memcpyByKind = new KernelTable.Entry[COPY_KINDS.length + 1];
    KernelTable.Entry memset;
    // CUDA graphs
    long graphKernelNs;
    long graphKernels;
    long nodeGraphLaunches;
    final Map<Long, Long> lastGraphCorrByStream = new HashMap<>();
    long graphSpans;
    long graphSpanNs;
    final Set<Long> graphExecs = new HashSet<>();
    // NVTX projection, per range
    final long[] projStart;
    final long[] projEnd;
    final long[] rangeKernels;
    final long[] rangeKernelNs;
    final BitSet[] corrSeen;
    // phases
    final PhaseAccumulator phases = new PhaseAccumulator();
    final PhaseAccumulator.Slot[] slotOfRange;
    final PhaseAccumulator.Slot unattributed;
    final String phaseSource;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    // last lookup, since graph kernels share a correlation id
    long lastCorrPid = Long.MIN_VALUE;
    int lastRange = -1;

    GpuPass(NsysDatabase db, NvtxRanges ranges, LaunchRanges launches) {
      this.db = db;
      this.ranges = ranges;
      this.launches = launches;
      int n = ranges.size();
      projStart = new long[n];
      projEnd = new long[n];
      Arrays.fill(projStart, Long.MAX_VALUE);
      Arrays.fill(projEnd, Long.MIN_VALUE);
      rangeKernels = new long[n];
      rangeKernelNs = new long[n];
      corrSeen = new BitSet[n];
      slotOfRange = new PhaseAccumulator.Slot[n];
      if (n == 0 || launches == null) {
        phaseSource = "none";
        unattributed = null;
        return;
      }
      boolean probe = ranges.hasProbePhases();
      phaseSource = probe ? "profilemate-nvtx" : "nvtx";
      for (int i = 0; i < n; i++) {
        if (probe) {
          String p = PhaseNames.probePhase(ranges.name[i]);
          slotOfRange[i] = p != null ? phases.phase(p) : ranges.parent[i] >= 0 ? slotOfRange[ranges.parent[i]] : null;
        } else {
          slotOfRange[i] = phases.phase(PhaseNames.withoutStepNumber(ranges.name[i]));
        }
      }
      unattributed = phases.phase(PhaseBreakdown.UNATTRIBUTED);
    }

    void run(boolean sorted) throws SQLException {
      List<OpCursor> cursors = new ArrayList<>();
      try {
        if (db.hasTable(KERNEL)) {
          cursors.add(new OpCursor(db, OpCursor.KERNEL, KERNEL, "demangledName", "graphNodeId", sorted));
        }
        if (db.hasTable(MEMCPY)) {
          cursors.add(new OpCursor(db, OpCursor.MEMCPY, MEMCPY, "copyKind", "bytes", sorted));
        }
        if (db.hasTable(MEMSET)) {
          cursors.add(new OpCursor(db, OpCursor.MEMSET, MEMSET, null, "bytes", sorted));
        }
        if (db.hasTable(GRAPH_TRACE)) {
          cursors.add(new OpCursor(db, OpCursor.GRAPH, GRAPH_TRACE, "graphExecId", "graphId", sorted));
        }
        OpCursor[] cs = cursors.toArray(new OpCursor[0]);
        while (true) {
          OpCursor next = null;
          for (OpCursor c : cs) {
            if (!c.done && (next == null || c.start < next.start)) {
              next = c;
            }
          }
          if (next == null) {
            break;
          }
          accept(next);
          next.advance();
        }
      } finally {
        for (OpCursor c : cursors) {
          c.close();
        }
      }
    }

    private void accept(OpCursor c) {
      long dur = c.end - c.start;
      if (c.start < first) {
        first = c.start;
      }
      if (c.end > last) {
        last = c.end;
      }
      int range = -1;
      if (launches != null) {
        if (c.corrPid != lastCorrPid) {
          lastCorrPid = c.corrPid;
          lastRange = launches.lookup(c.pid(), c.corr());
        }
        range = lastRange;
      }
      switch (c.kind) {
        case OpCursor.KERNEL -> {
          KernelTable.Entry e = entry(c.x1);
          e.add(dur);
          if (!c.x2Null) {
            graphKernelNs += dur;
            graphKernels++;
            long key = ((long) c.device << 40) ^ c.stream;
            Long prev = lastGraphCorrByStream.put(key, c.corrPid);
            if (prev == null || prev != c.corrPid) {
              nodeGraphLaunches++;
            }
          }
          if (unattributed != null) {
            PhaseAccumulator.Slot s = range >= 0 ? slotOfRange[range] : null;
            (s != null ? s : unattributed).addKernel(e.categoryIndex(), dur);
          }
          project(range, c, dur, true);
          idle.add(c.device, c.start, c.end, c.x1);
        }
        case OpCursor.MEMCPY -> {
          int k = c.x1 >= 0 && c.x1 < COPY_KINDS.length ? (int) c.x1 : 0;
          KernelTable.Entry e = memcpyByKind[k];
          if (e == null) {
            e = table.memoryOp(memcpyName(k));
            memcpyByKind[k] = e;
          }
          e.add(dur);
          e.addBytes(c.x2);
          project(range, c, dur, false);
          idle.add(c.device, c.start, c.end, (1L << 56) | k);
        }
        case OpCursor.MEMSET -> {
          if (memset == null) {
            memset = table.memoryOp("[CUDA memset]");
          }
          memset.add(dur);
          memset.addBytes(c.x2);
          project(range, c, dur, false);
          idle.add(c.device, c.start, c.end, 2L << 56);
        }
        default -> {
          graphSpans++;
          graphSpanNs += dur;
          graphExecs.add(c.x1);
          if (unattributed != null) {
            PhaseAccumulator.Slot s = range >= 0 ? slotOfRange[range] : null;
            (s != null ? s : unattributed).addGraphSpan(dur);
          }
          idle.add(c.device, c.start, c.end, (3L << 56) | (c.x1 & 0xFFFFFFFFFFFFL));
        }
      }
    }

    private void project(int range, OpCursor c, long dur, boolean kernel) {
      for (int r = range; r >= 0; r = ranges.parent[r]) {
        if (c.start < projStart[r]) {
          projStart[r] = c.start;
        }
        if (c.end > projEnd[r]) {
          projEnd[r] = c.end;
        }
        if (kernel) {
          rangeKernels[r]++;
          rangeKernelNs[r] += dur;
        }
        // distinct launches (a graph launch's kernels share one correlation id), as a bit set from the range's first id
        long offset = c.corr() - launches.firstCorr(r);
        if (offset >= 0 && offset < Integer.MAX_VALUE) {
          BitSet b = corrSeen[r];
          if (b == null) {
            b = new BitSet();
            corrSeen[r] = b;
          }
          b.set((int) offset);
        }
      }
    }

    private KernelTable.Entry entry(long nameId) {
      if (nameId >= 0 && nameId < (1 << 24)) {
        int i = (int) nameId;
        if (i >= byNameId.length) {
          byNameId = Arrays.copyOf(byNameId, Math.max(i + 1, byNameId.length * 2));
        }
        KernelTable.Entry e = byNameId[i];
        if (e == null) {
          e = table.kernel(db.string(nameId));
          byNameId[i] = e;
        }
        return e;
      }
      return byLargeNameId.computeIfAbsent(nameId, id -> table.kernel(db.string(id)));
    }

    private String refName(long ref) {
      int kind = (int) (ref >>> 56);
      long id = ref & 0xFFFFFFFFFFFFFFL;
      return switch (kind) {
        case 0 -> db.string(id);
        case 1 -> memcpyName((int) id);
        case 2 -> "[CUDA memset]";
        default -> "[CUDA graph launch, graphExecId " + id + "]";
      };
    }

    Result result(NsysReport.Source source, String mode) {
      long kernelNs = table.kernelNs();
      List<RangeProjection> projections = new ArrayList<>();
      Map<String, long[]> byName = new LinkedHashMap<>();
      for (int i = 0; i < ranges.size(); i++) {
        boolean any = projStart[i] != Long.MAX_VALUE;
        long ops = corrSeen[i] == null ? 0 : corrSeen[i].cardinality();
        long projNs = any ? projEnd[i] - projStart[i] : 0;
        projections.add(new RangeProjection(i + 1, ranges.name[i], ranges.style[i],
            (ranges.tid[i] >> 24) & 0xFFFFFF, ranges.tid[i] & 0xFFFFFF, ranges.depth[i],
            ranges.parent[i] >= 0 ? ranges.parent[i] + 1 : null, ranges.start[i], ranges.end[i] - ranges.start[i],
            any ? projStart[i] : null, any ? projNs : null, ops, rangeKernels[i], rangeKernelNs[i]));
        long[] a = byName.computeIfAbsent(ranges.name[i], k -> new long[6]);
        a[0]++;
        a[1] += ranges.end[i] - ranges.start[i];
        a[2] += projNs;
        a[3] += ops;
        a[4] += rangeKernels[i];
        a[5] += rangeKernelNs[i];
        if (unattributed != null && slotOfRange[i] != null
            && (ranges.parent[i] < 0 || slotOfRange[ranges.parent[i]] != slotOfRange[i])) {
          slotOfRange[i].addRange(projNs);
        }
      }
      projections.sort(Comparator.comparingLong(RangeProjection::origStartNs).thenComparingInt(RangeProjection::id));
      List<NsysReport.NvtxRangeSummary> rangeSummaries = new ArrayList<>();
      for (Map.Entry<String, long[]> en : byName.entrySet()) {
        long[] a = en.getValue();
        rangeSummaries.add(new NsysReport.NvtxRangeSummary(en.getKey(), a[0], a[1], a[2], a[3], a[4], a[5]));
      }
      rangeSummaries.sort(Comparator.comparingLong(NsysReport.NvtxRangeSummary::kernelNs).reversed()
          .thenComparing(NsysReport.NvtxRangeSummary::name));

      PhaseBreakdown phaseBreakdown = unattributed == null
          ? new PhaseBreakdown("none", List.of())
          : phases.result(phaseSource, table.categories());

      GraphCoverage graphs;
      String captureMode = mode == null ? null : mode.toLowerCase(java.util.Locale.ROOT);
      if (graphSpans > 0) {
        graphs = new GraphCoverage(captureMode, "graph-launch-spans", kernelNs, null, null, graphSpans, graphSpanNs,
            (long) graphExecs.size(), Num.pct(graphSpanNs, kernelNs + graphSpanNs));
      } else if (graphKernels > 0) {
        graphs = new GraphCoverage(captureMode, "graph-node-kernels", kernelNs, graphKernelNs, graphKernels,
            nodeGraphLaunches, null, null, Num.pct(graphKernelNs, kernelNs));
      } else {
        graphs = new GraphCoverage(captureMode, "none", kernelNs, 0L, 0L, 0, null, null, 0);
      }
      NsysReport.Totals totals = new NsysReport.Totals(table.kernelInstances(), kernelNs, table.memoryOpInstances(),
          table.memoryOpNs(), graphSpans, first == Long.MAX_VALUE ? null : first, last == Long.MIN_VALUE ? null : last);
      NsysReport report = new NsysReport(NsysReport.SCHEMA, source, totals, table.kernelSummaries(),
          table.memoryOpSummaries(), table.categoryTotals(), phaseBreakdown, rangeSummaries, graphs,
          idle.result(this::refName));
      return new Result(report, projections);
    }
  }

  static String memcpyName(int kind) {
    return "[CUDA memcpy " + COPY_KINDS[kind] + "]";
  }
}
