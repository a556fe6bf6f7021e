package dev.profilemate.report;

import dev.profilemate.common.Num;
import java.util.ArrayList;
import java.util.List;

/** Rules on the Nsight Compute view: what bounds the kernels, and whether the GEMMs are batch-starved. */
final class NcuRecommendations {
  static final double MAJORITY_PCT = 50;

  private NcuRecommendations() {}

  static List<Recommendation> of(RooflineAnalysis r, Analyses a, SessionMetadata m) {
    List<Recommendation> out = new ArrayList<>();
    if (r.launches() > 0) {
      out.add(bounds(r));
    }
    if (r.gemms().kernels() > 0) {
      out.add(gemms(r, a, m));
    }
    return out;
  }

  static Recommendation bounds(RooflineAnalysis r) {
    RooflineAnalysis.Bound mem = r.bound("memory");
    RooflineAnalysis.Bound comp = r.bound("compute");
    RooflineAnalysis.Bound lat = r.bound("latency");
    Recommendation.Builder b = Recommendation.on("What bounds the kernels (ncu)")
        .evidence("profiled launches", Num.count(r.launches()) + ", " + Num.g(r.profiledUs()) + " µs")
        .evidence("memory-bound", Num.pct(mem.timePct()) + " of time, " + mem.launches() + " launches")
        .evidence("compute-bound", Num.pct(comp.timePct()) + " of time, " + comp.launches() + " launches")
        .evidence("latency-bound (memory and SM < 60% of peak)", Num.pct(lat.timePct()) + " of time, "
            + lat.launches() + " launches")
        .evidence("peak DRAM bandwidth", r.gpu().dramGbps() == null ? "unknown"
            : Num.g(r.gpu().dramGbps()) + " GB/s (" + r.gpu().dramFrom() + ")");
    if (lat.timePct() >= MAJORITY_PCT) {
      return b.verdict("act", Num.pct(lat.timePct()) + " of profiled kernel time is latency-bound: the launches use "
              + "under 60% of both DRAM bandwidth and SM throughput, so they are too small to fill the GPU.",
          "Give each step more work: more concurrent requests or a higher --max-num-seqs; keep CUDA graphs on so "
              + "launch gaps do not add up; let vLLM fuse small elementwise kernels (torch.compile, on unless "
              + "--enforce-eager).");
    }
    if (mem.timePct() >= MAJORITY_PCT) {
      return b.verdict("info", "Mostly memory-bound (" + Num.pct(mem.timePct()) + " of profiled time): expected for "
          + "decode, which streams weights and KV cache.", "Fewer bytes per token help: FP8 weights or KV cache "
          + "(--quantization fp8, --kv-cache-dtype fp8), or larger batches that reuse each weight read.");
    }
    if (comp.timePct() >= MAJORITY_PCT) {
      return b.verdict("ok", "Mostly compute-bound (" + Num.pct(comp.timePct()) + " of profiled time): the math "
          + "units are the limit.", "No batching change will help much; lower-precision math (FP8) would.");
    }
    return b.verdict("info", "No single limit dominates the profiled kernels.", "See the table for the kernels "
        + "that take the most time.");
  }

  static Recommendation gemms(RooflineAnalysis r, Analyses a, SessionMetadata m) {
    RooflineAnalysis.Gemms g = r.gemms();
    Double ridge = r.gpu().ridgeTensor();
    StepTimeAnalysis.Phase decode = a.steps().phases().stream().filter(p -> p.phase().equals("decode")).findFirst()
        .orElse(null);
    String maxSeqs = KernelRecommendations.orUnknown(m.engineText("max_num_seqs"));
    Recommendation.Builder b = Recommendation.on("GEMMs at this batch size (ncu)")
        .evidence("GEMM and MoE kernels", g.kernels() + " names, " + g.launches() + " launches")
        .evidence("their share of profiled time", Num.pct(g.timePct()))
        .evidence("GEMM time memory / latency / compute-bound", Num.pct(g.memoryBoundPct()) + " / "
            + Num.pct(g.latencyBoundPct()) + " / " + Num.pct(g.computeBoundPct()))
        .evidence("GEMM DRAM bandwidth (time-weighted)", Num.pct(g.dramPctOfPeak()) + " of peak")
        .evidence("GEMM SM throughput (time-weighted)", Num.pct(g.smPct()) + " of peak")
        .evidence("ridge point, BF16 tensor cores", ridge == null ? "unknown" : Num.g(ridge) + " FLOP/byte")
        .evidence("mean tokens per decode step (session)", decode == null ? "not recorded"
            : Num.g(decode.meanTokensPerStep()))
        .evidence("max_num_seqs (session)", maxSeqs);
    double starved = nan0(g.memoryBoundPct()) + nan0(g.latencyBoundPct());
    if (starved >= MAJORITY_PCT) {
      String batch = decode == null ? "" : " Decode ran " + Num.g(decode.meanTokensPerStep()) + " tokens per step.";
      return b.verdict("act", Num.pct(starved) + " of GEMM time is memory- or latency-bound (DRAM "
              + Num.pct(g.dramPctOfPeak()) + ", SM " + Num.pct(g.smPct()) + " of peak): at this batch size each "
              + "weight read does too little math." + batch,
          "Raise the batch: more concurrent requests or a higher --max-num-seqs (now " + maxSeqs + "). A BF16 GEMM "
              + "over T tokens does about T FLOPs per weight byte it reads, so it turns compute-bound near T ≈ the "
              + "ridge point" + (ridge == null ? "" : " (" + Num.g(ridge) + " tokens per step on this GPU)") + ".");
    }
    return b.verdict("ok", "GEMMs are compute-bound for " + Num.pct(g.computeBoundPct()) + " of their time: the "
        + "batch is large enough for the tensor cores.", "No change needed.");
  }

  private static double nan0(double v) {
    return Double.isNaN(v) ? 0 : v;
  }
}
