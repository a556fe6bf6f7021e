package dev.profilemate.report;

import dev.profilemate.common.Num;
import dev.profilemate.kernel.KernelNames;
import java.util.ArrayList;
import java.util.List;

/** Rules on one GPU timeline (nsys or trace): idle time, CUDA-graph coverage, memory copies. */
final class TimelineRecommendations {
  static final double IDLE_ACT_PCT = 40;
  static final double IDLE_WATCH_PCT = 15;
  static final double GRAPHS_LOW_PCT = 50;
  static final double GRAPHS_OK_PCT = 80;
  static final double MEMCPY_WATCH_PCT = 25;

  private TimelineRecommendations() {}

  static List<Recommendation> of(KernelTimeline t, Analyses a, SessionMetadata m) {
    List<Recommendation> out = new ArrayList<>();
    if (t.idle().recorded()) {
      out.add(idle(t, a));
    }
    if (t.kernelInstances() > 0) {
      out.add(graphs(t, m));
    }
    if (t.gpuTimePct(KernelTimeline.MEMCPY) >= MEMCPY_WATCH_PCT) {
      out.add(memoryCopies(t));
    }
    return out;
  }

  static Recommendation idle(KernelTimeline t, Analyses a) {
    GpuIdle i = t.idle();
    Recommendation.Builder r = Recommendation.on("GPU idle time (" + t.source() + ")")
        .evidence("GPU span, first to last operation" + (i.devices().size() > 1
            ? " (" + i.devices().size() + " GPUs summed)" : ""), Num.ms(i.spanMs()))
        .evidence("idle between operations", Num.ms(i.idleMs()) + " (" + Num.pct(i.idlePct()) + ")")
        .evidence("gaps between operations", Num.count(i.gapCount()))
        .evidence("gaps of 10 ms or more (pauses, start-up)", i.longGaps() + ", " + Num.ms(i.longGapMs()))
        .evidence("idle share without those gaps", Num.pct(i.idlePctWithoutLongGaps()));
    GpuIdle.Device first = i.devices().get(0);
    if (!first.largestGaps().isEmpty()) {
      GpuIdle.Gap g = first.largestGaps().get(0);
      r.evidence("largest gap (GPU " + first.device() + ")", Num.ms(g.ms()) + " after " + KernelNames.baseName(g.before()));
    }
    if (a.cpu().status().recorded()) {
      r.evidence("host CPU time ÷ GPU forward time (session)", Num.pct(a.cpu().cpuPerForwardPct()));
    }
    double steady = i.idlePctWithoutLongGaps();
    if (Double.isNaN(steady)) {
      return r.verdict("info", "All idle time is in gaps of 10 ms or more: pauses between requests or start-up.",
          "Profile under steady load to see per-step overhead.");
    }
    if (steady >= IDLE_ACT_PCT) {
      return r.verdict("act", "The GPU sat idle " + Num.pct(steady) + " of the time between operations, pauses of "
              + "10 ms or more left out: the steps are bound by the CPU (scheduling, input preparation, kernel "
              + "launches), not by the GPU.",
          "Look at the CPU time section for the largest host-side operation; keep CUDA graphs on for decode "
              + "(no --enforce-eager) so one launch replaces hundreds; try --async-scheduling to overlap scheduling "
              + "with the forward pass; larger batches (more concurrency, higher --max-num-seqs) give each launch "
              + "more work.");
    }
    if (steady >= IDLE_WATCH_PCT) {
      return r.verdict("watch", "The GPU is idle " + Num.pct(steady) + " of the time between operations (pauses of "
          + "10 ms or more left out): some per-step CPU overhead.", "Check CUDA-graph coverage and the CPU time "
          + "section; --async-scheduling overlaps scheduling with the forward pass.");
    }
    return r.verdict("ok", "The GPU stays busy: " + Num.pct(steady) + " idle between operations, pauses of 10 ms or "
        + "more left out.", "No change needed.");
  }

  static Recommendation graphs(KernelTimeline t, SessionMetadata m) {
    GraphShare g = t.graphs();
    List<KernelPhases.Phase> decode = t.phases().decode();
    double decodeShare = Double.NaN;
    if (g.spansRecorded() && !decode.isEmpty()) {
      double spans = decode.stream().mapToDouble(KernelPhases.Phase::graphLaunchMs).sum();
      double all = decode.stream().mapToDouble(KernelPhases.Phase::gpuMs).sum();
      decodeShare = all > 0 ? 100.0 * spans / all : Double.NaN;
    }
    List<Long> sizes = m.cudagraphCaptureSizes();
    Recommendation.Builder r = Recommendation.on("CUDA-graph coverage (" + t.source() + ")")
        .evidence("GPU time launched from graphs", Num.pct(g.sharePct()) + " (" + g.method() + ")")
        .evidence("graph launches", Num.count(g.launches()));
    if (g.distinctGraphs() != null) {
      r.evidence("distinct graphs", Num.count(g.distinctGraphs()));
    }
    if (!Double.isNaN(decodeShare)) {
      r.evidence("decode phases (" + String.join(", ", decode.stream().map(KernelPhases.Phase::phase).toList())
          + "): GPU time in graph launches", Num.pct(decodeShare));
    }
    r.evidence("cudagraph_mode (session)", KernelRecommendations.orUnknown(m.engineText("cudagraph_mode")))
        .evidence("capture sizes (session)", sizes.isEmpty() ? "not recorded" : sizes.size() + ", largest "
            + sizes.stream().mapToLong(Long::longValue).max().orElse(0));
    String checkSizes = "check that the decode batch sizes are captured: cudagraph_capture_sizes and "
        + "max_cudagraph_capture_size (a step larger than the largest size, or with no captured size at or above it, "
        + "runs eagerly); the CUDA graphs section recommends sizes from the session's batch sizes.";
    if (g.none()) {
      return r.verdict("act", "No kernel in this trace was launched from a CUDA graph: every step ran eagerly, one "
          + "CPU launch per kernel.", "Unless eager mode is intended (--enforce-eager, cudagraph_mode NONE), "
          + checkSizes + " Make sure the capture covers serving, not only start-up.");
    }
    if (!Double.isNaN(decodeShare)) {
      if (decodeShare < GRAPHS_LOW_PCT) {
        return r.verdict("act", "Decode steps spent only " + Num.pct(decodeShare) + " of their GPU time in graph "
            + "launches: most decode kernels were launched one by one.", "Decode should replay graphs: " + checkSizes);
      }
      if (decodeShare < GRAPHS_OK_PCT) {
        return r.verdict("watch", "Decode steps spent " + Num.pct(decodeShare) + " of their GPU time in graph "
            + "launches.", "Some decode steps ran eagerly: " + checkSizes);
      }
      return r.verdict("ok", "Decode runs from CUDA graphs (" + Num.pct(decodeShare) + " of its GPU time).",
          "No change needed.");
    }
    if (g.sharePct() < GRAPHS_LOW_PCT) {
      return r.verdict("watch", "Only " + Num.pct(g.sharePct()) + " of kernel time was launched from CUDA graphs. "
          + "Prefill, and attention under piecewise graphs, run eagerly by design, so a low share over a whole trace "
          + "is expected when prefill is large; the decode share needs the probe's profilemate:decode ranges in an "
          + "nsys --cuda-graph-trace=graph capture.", "If decode dominates the workload, " + checkSizes);
    }
    return r.verdict("ok", Num.pct(g.sharePct()) + " of kernel time was launched from CUDA graphs.",
        "No change needed.");
  }

  static Recommendation memoryCopies(KernelTimeline t) {
    double share = t.gpuTimePct(KernelTimeline.MEMCPY);
    Recommendation.Builder r = Recommendation.on("Memory copies (" + t.source() + ")")
        .evidence("share of GPU time", Num.pct(share))
        .evidence("memory operations", Num.count(t.memoryOpInstances()) + ", " + Num.ms(t.memoryOpMs()));
    t.memoryOps().stream().limit(3).forEach(o -> r.evidence(o.name(), Num.ms(o.ms()) + ", "
        + Num.g(o.bytes() / 1e6) + " MB"));
    return r.verdict("watch", "Memory copies and sets take " + Num.pct(share) + " of GPU time in this trace.",
        "A capture that includes start-up counts the weight upload: start it after warm-up (nsys "
            + "--capture-range=cudaProfilerApi with vLLM's profiler start/stop, or the profiler's schedule). In "
            + "steady serving, host-to-device copies every step point at inputs in pageable memory.");
  }
}
