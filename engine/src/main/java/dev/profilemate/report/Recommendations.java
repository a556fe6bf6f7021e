package dev.profilemate.report;

import dev.profilemate.common.Num;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The report's recommendations: each rule reads the analyses and states the numbers it used. */
final class Recommendations {
  private Recommendations() {}

  static List<Recommendation> of(Analyses a, SessionMetadata m) {
    List<Recommendation> out = new ArrayList<>();
    if (a.kv().status().recorded()) {
      out.add(kvSizing(a, m));
    }
    if (a.batch().status().recorded()) {
      out.add(maxNumSeqs(a, m));
      out.add(maxNumBatchedTokens(a, m));
    }
    if (a.preemption().status().recorded()) {
      out.add(preemptions(a, m));
    }
    if (a.graphs().captureSizes().recommended() != null) {
      out.add(captureSizes(a.graphs(), m));
    }
    if (a.moe().status().recorded() && !a.moe().perLayer().isEmpty()) {
      out.add(moeBalance(a.moe()));
    }
    Recommendation prefix = prefixCache(a.kv(), m);
    if (prefix != null) {
      out.add(prefix);
    }
    if (a.cpu().status().recorded() && !Double.isNaN(a.cpu().cpuPerForwardPct())) {
      out.add(cpuOverhead(a.cpu()));
    }
    if (a.efficiency().status().recorded()) {
      out.add(efficiency(a.efficiency()));
    }
    out.addAll(KernelRecommendations.of(a, m));
    return List.copyOf(out);
  }

  /**
   * What sizes the KV cache: on a GPU the share of its memory vLLM may take; on the CPU backend
   * --gpu-memory-utilization does nothing and VLLM_CPU_KVCACHE_SPACE (GiB) sets the KV cache.
   */
  static String kvMemoryKnob(SessionMetadata m) {
    if (SessionDevice.of(m).cpuOnly()) {
      return "VLLM_CPU_KVCACHE_SPACE (GiB of KV cache on the CPU backend)";
    }
    return "--gpu-memory-utilization (now " + orUnknown(m.engineText("gpu_memory_utilization")) + ")";
  }

  static Recommendation kvSizing(Analyses a, SessionMetadata m) {
    KvCacheAnalysis kv = a.kv();
    double p95 = kv.usagePct().p95();
    long kvFull = a.preemption().reasons().entrySet().stream()
        .filter(e -> e.getKey().contains("kv") || e.getKey().contains("block") || e.getKey().contains("memory"))
        .mapToLong(Map.Entry::getValue).sum();
    Recommendation.Builder b = Recommendation.on("KV cache size")
        .evidence("P95 usage (the level held 95% of the time)", Num.pct(p95))
        .evidence("mean usage", Num.pct(kv.usagePct().mean()))
        .evidence("peak usage", Num.pct(kv.usagePct().max()))
        .evidence("samples above 90%", Num.pct(kv.pctSamplesAbove90()))
        .evidence("samples below 40%", Num.pct(kv.pctSamplesBelow40()))
        .evidence("KV blocks", Num.count(kv.totalBlocks()))
        .evidence("preemptions for lack of KV blocks", Num.count(kvFull))
        .evidence("gpu_memory_utilization", orUnknown(m.engineText("gpu_memory_utilization")))
        .evidence("max_model_len", orUnknown(m.engineText("max_model_len")));
    if (p95 > KvCacheAnalysis.UNDER_PROVISIONED || kvFull > 0) {
      return b.verdict("act", "Under-provisioned: KV usage reaches " + Num.pct(p95) + " at P95 (above 90%)"
              + (kvFull > 0 ? " and " + kvFull + " preemptions were for lack of KV blocks" : "") + ".",
          "Raise " + kvMemoryKnob(m) + " so vLLM allocates more KV blocks, or lower --max-num-seqs so fewer sequences compete for them.");
    }
    if (p95 < KvCacheAnalysis.OVER_PROVISIONED) {
      return b.verdict("act", "Over-provisioned: KV usage stays below " + Num.pct(p95) + " at P95 (under 40%).",
          "Lower --max-model-len (now " + orUnknown(m.engineText("max_model_len"))
              + ") or " + kvMemoryKnob(m) + " to free the idle memory, or serve more concurrent requests "
              + "(raise --max-num-seqs).");
    }
    if (p95 >= KvCacheAnalysis.HEALTHY_LOW && p95 <= KvCacheAnalysis.HEALTHY_HIGH) {
      return b.verdict("ok", "Healthy: KV usage " + Num.pct(p95) + " at P95, inside 60–80%.", "No change needed.");
    }
    return b.verdict("watch", "KV usage " + Num.pct(p95) + " at P95 is outside the healthy 60–80% band but "
        + "within 40–90%.", p95 > KvCacheAnalysis.HEALTHY_HIGH
            ? "Little headroom: a burst of long requests may preempt. Consider a slightly higher " + kvMemoryKnob(m) + "."
            : "Some KV memory is idle; a lower --max-model-len or more concurrency would use it.");
  }

  /**
   * Judged from the steps that left requests waiting: raising max_num_seqs helps only when they
   * waited while the batch held max_num_seqs sequences; when they waited below it, something else
   * (the token budget, KV blocks) kept them out, and the card says which.
   */
  static Recommendation maxNumSeqs(Analyses a, SessionMetadata m) {
    BatchAnalysis b = a.batch();
    WaitingSteps w = b.waitingSteps();
    double kvP95 = a.kv().usagePct().p95();
    Recommendation.Builder r = Recommendation.on("max_num_seqs")
        .evidence("max_num_seqs", Num.count(b.maxNumSeqs()))
        .evidence("P95 sequence utilisation", Num.pct(b.seqUtilizationPct().p95()))
        .evidence("steps with requests waiting", Num.pct(b.pctStepsWithWaiting()) + " (" + Num.count(w.steps())
            + " of " + Num.count(b.steps()) + ")")
        .evidence("… with the batch at max_num_seqs", share(w.atSeqLimit(), w.steps()))
        .evidence("… at the token budget, below max_num_seqs", share(w.atTokenBudget(), w.steps()))
        .evidence("… below both limits", share(w.belowBothLimits(), w.steps()))
        .evidence("P95 waiting queue", Num.g(b.waitingQueueLen().p95()))
        .evidence("P95 KV usage", Num.pct(kvP95));
    if (w.belowBothLimits() > 0) {
      r.evidence("KV usage in the steps below both limits (median)", Num.pct(w.kvUsagePctBelowBothLimits().p50()));
    }
    boolean queued = b.pctStepsWithWaiting() >= 10;
    if (queued && w.mainLimit().equals("max_num_seqs")) {
      if (Double.isNaN(kvP95) || kvP95 < KvCacheAnalysis.HEALTHY_HIGH) {
        return r.verdict("act", "Requests waited in " + Num.pct(b.pctStepsWithWaiting()) + " of steps, mostly while "
                + "the batch held max_num_seqs (" + b.maxNumSeqs() + ") sequences and the KV cache had room.",
            "Raise --max-num-seqs (now " + b.maxNumSeqs() + "); KV usage at P95 " + Num.pct(kvP95)
                + " leaves space for more running sequences.");
      }
      return r.verdict("watch", "Requests waited at the max_num_seqs limit, but the KV cache is also nearly full.",
          "Raising --max-num-seqs alone would cause preemptions; give the KV cache more memory first.");
    }
    if (queued) {
      String limit = w.mainLimit();
      boolean kvBound = limit.startsWith("KV");
      return r.verdict("watch", "Requests waited in " + Num.pct(b.pctStepsWithWaiting()) + " of steps, but in "
              + Num.count(w.steps() - w.atSeqLimit()) + " of those " + Num.count(w.steps()) + " steps the batch ran fewer than max_num_seqs ("
              + b.maxNumSeqs() + ") sequences: max_num_seqs is not the limit; " + limit + " kept them waiting"
              + (kvBound && w.kvUsagePctBelowBothLimits().count() > 0 ? " (KV usage "
                  + Num.pct(w.kvUsagePctBelowBothLimits().p50()) + " at the median of those steps)" : "") + ".",
          "Raising --max-num-seqs would not admit them. " + (kvBound
              ? "Give the KV cache more blocks (see KV cache size)."
              : "See max_num_batched_tokens."));
    }
    if (b.seqUtilizationPct().p95() < 50) {
      return r.verdict("info", "The load never needed max_num_seqs: P95 sequence utilisation "
          + Num.pct(b.seqUtilizationPct().p95()) + " and requests rarely waited.",
          "No change needed; the limit is not what bounds throughput here.");
    }
    return r.verdict("ok", "max_num_seqs is not a bottleneck in this session: requests waited in "
        + Num.pct(b.pctStepsWithWaiting()) + " of steps.", "No change needed.");
  }

  /** "n of total (p%)". */
  private static String share(long n, long total) {
    return Num.count(n) + " of " + Num.count(total) + (total > 0 ? " (" + Num.pct(100.0 * n / total) + ")" : "");
  }

  static Recommendation maxNumBatchedTokens(Analyses a, SessionMetadata m) {
    BatchAnalysis b = a.batch();
    StepTimeAnalysis.Phase decode = phase(a.steps(), "decode");
    StepTimeAnalysis.Phase mixed = phase(a.steps(), "mixed");
    Recommendation.Builder r = Recommendation.on("max_num_batched_tokens")
        .evidence("max_num_batched_tokens", Num.count(b.maxNumBatchedTokens()))
        .evidence("mean token utilisation", Num.pct(b.tokenUtilizationPct().mean()))
        .evidence("steps at the token budget", Num.pct(b.pctStepsAtTokenLimit()))
        .evidence("steps with requests waiting", Num.pct(b.pctStepsWithWaiting()))
        .evidence("decode step P50", decode == null ? "n/a" : Num.ms(decode.forwardMs().p50()))
        .evidence("mixed step P99", mixed == null ? "n/a" : Num.ms(mixed.forwardMs().p99()));
    if (b.pctStepsAtTokenLimit() >= 25 && b.pctStepsWithWaiting() >= 10) {
      return r.verdict("act", "Steps often fill the whole token budget while requests wait.",
          "Raise --max-num-batched-tokens (now " + b.maxNumBatchedTokens()
              + ") to admit prefills faster (better time to first token), if inter-token latency allows.");
    }
    if (decode != null && mixed != null && mixed.forwardMs().p99() > 2 * decode.forwardMs().p50()) {
      return r.verdict("watch", "Steps that mix decode with prefill chunks take " + Num.ms(mixed.forwardMs().p99())
              + " at P99, over twice a plain decode step (" + Num.ms(decode.forwardMs().p50()) + " P50): running "
              + "requests stall behind prefills.",
          "A lower --max-num-batched-tokens (now " + b.maxNumBatchedTokens()
              + ") cuts prefills into smaller chunks and smooths inter-token latency, at some prefill throughput.");
    }
    return r.verdict("ok", "The token budget is not a bottleneck in this session.", "No change needed.");
  }

  static Recommendation preemptions(Analyses a, SessionMetadata m) {
    PreemptionAnalysis p = a.preemption();
    String reasons = p.reasons().isEmpty() ? "none" : p.reasons().entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    Recommendation.Builder r = Recommendation.on("Preemptions")
        .evidence("preemptions", Num.count(p.preemptions()))
        .evidence("requests preempted", Num.count(p.preemptedRequests()) + " of " + p.requests() + " ("
            + Num.pct(p.preemptedRequestsPct()) + ")")
        .evidence("causes", reasons)
        .evidence("tokens recomputed", Num.count(p.recomputedTokens()))
        .evidence("P95 wait to resume", Num.sec(p.preemptionDelaySec().p95()));
    if (p.preemptions() == 0) {
      return r.verdict("ok", "No request was preempted.", "No change needed.");
    }
    return r.verdict("act", p.preemptions() + " preemptions (" + reasons + ") cost " + p.recomputedTokens()
            + " recomputed tokens and " + Num.sec(p.preemptionDelaySec().total()) + " of waiting in all.",
        "Preemption means the KV cache ran out of blocks: raise " + kvMemoryKnob(m) + ", lower --max-num-seqs, "
            + "or lower --max-num-batched-tokens so fewer long prefills are admitted at once.");
  }

  static Recommendation captureSizes(CudaGraphAnalysis g, SessionMetadata m) {
    CudaGraphAnalysis.CaptureSizes c = g.captureSizes();
    CaptureSizeAdvisor.Outcome now = c.current();
    CaptureSizeAdvisor.Plan plan = c.recommended();
    CaptureSizeAdvisor.Outcome rec = plan.outcome();
    String flag = "--compilation-config '{\"cudagraph_capture_sizes\": " + sizes(plan.sizes()) + "}'";
    Recommendation.Builder r = Recommendation.on("CUDA graph capture sizes")
        .evidence("steps observed (" + c.observedFrom() + ")", Num.count(c.observedSteps()))
        .evidence("current sizes (" + c.currentFrom() + ")", sizes(c.currentSizes()))
        .evidence("recommended sizes", sizes(plan.sizes()));
    if (c.currentSizes().isEmpty()) {
      String mode = m.engineText("cudagraph_mode");
      r.evidence("cudagraph_mode", mode.isEmpty() ? "not recorded" : mode)
          .evidence("padding tokens with the recommended sizes", Num.count(rec.paddingTokens()) + " ("
              + Num.pct(rec.paddingPct()) + ")")
          .evidence("steps above the largest size (eager)", Num.count(rec.eagerSteps()));
      return r.verdict("info", "No CUDA graph sizes are known for this session" + (mode.equals("NONE")
              ? " (cudagraph_mode NONE: every step ran eagerly)" : "") + ". For the observed batch sizes, "
              + plan.sizes().size() + " graphs up to " + plan.largestSize() + " tokens would cover "
              + rec.graphSteps() + " of " + c.observedSteps() + " steps with " + Num.pct(rec.paddingPct())
              + " padding.",
          "When you run with CUDA graphs, capture these sizes: " + flag + ".");
    }
    r.evidence("padding tokens: now → recommended", now.paddingTokens() + " → " + rec.paddingTokens())
        .evidence("eager steps (above the largest size): now → recommended", now.eagerSteps() + " → "
            + rec.eagerSteps())
        .evidence("current sizes no step used", sizes(now.sizesNeverUsed()))
        .evidence("graphs captured but never replayed", Num.count(g.neverReplayed().size()));
    List<String> gains = new ArrayList<>();
    if (c.paddingTokensSaved() > 0) {
      gains.add("save " + c.paddingTokensSaved() + " padding tokens");
    }
    if (c.eagerStepsAvoided() > 0) {
      gains.add("run " + c.eagerStepsAvoided() + " more steps as graphs instead of eagerly");
    }
    if (!now.sizesNeverUsed().isEmpty()) {
      gains.add("drop " + now.sizesNeverUsed().size() + " sizes no step used (capture time and graph memory)");
    }
    if (gains.isEmpty()) {
      return r.verdict("ok", "The captured sizes already fit the observed batch sizes.", "No change needed.");
    }
    return r.verdict("act", "For the observed batch sizes, " + plan.sizes().size() + " capture sizes would "
            + String.join(", ", gains) + ".",
        "Capture these sizes: " + flag + " (the largest is at most the observed P99 batch or the current "
            + "largest, whichever is larger).");
  }

  static Recommendation moeBalance(MoeAnalysis moe) {
    List<MoeAnalysis.Layer> bad = moe.perLayer().stream().filter(l -> !l.balanced()).toList();
    MoeAnalysis.Layer worst = moe.perLayer().stream()
        .max((x, y) -> Double.compare(nan0(x.maxMinRatio()), nan0(y.maxMinRatio()))).orElseThrow();
    Recommendation.Builder r = Recommendation.on("MoE expert balance")
        .evidence("layers", Num.count(moe.layers()))
        .evidence("layers at or above max/min 2.0 (or with unused experts)", Num.count(bad.size()))
        .evidence("worst layer", "layer " + worst.layer() + ": max/min " + Num.g(worst.maxMinRatio()) + ", "
            + worst.expertsUsed() + " of " + Math.max(worst.expertsExpected(), moe.experts()) + " experts used");
    if (bad.isEmpty()) {
      return r.verdict("ok", "Every layer is balanced (max/min activation ratio below 2.0).", "No change needed.");
    }
    return r.verdict("act", bad.size() + " of " + moe.layers() + " layers are imbalanced (max/min activation "
            + "ratio ≥ 2.0): the busiest expert sets the step time.",
        "With expert parallelism, enable expert load balancing (--enable-eplb) with redundant experts; "
            + "otherwise expect the hottest experts' GPUs to be the stragglers.");
  }

  static Recommendation prefixCache(KvCacheAnalysis kv, SessionMetadata m) {
    String enabled = m.engineText("enable_prefix_caching");
    if (enabled.equalsIgnoreCase("false")) {
      return Recommendation.on("Prefix cache").evidence("enable_prefix_caching", "false")
          .verdict("info", "Prefix caching is off, so reuse could not be measured.",
              "If prompts share prefixes (system prompts, multi-turn chat, few-shot), enable --enable-prefix-caching.");
    }
    if (Double.isNaN(kv.prefixHitRatePct())) {
      return null;
    }
    Recommendation.Builder r = Recommendation.on("Prefix cache")
        .evidence("enable_prefix_caching", orUnknown(enabled))
        .evidence("blocks served from the prefix cache", Num.count(kv.prefixHitBlocks()))
        .evidence("blocks newly allocated", Num.count(kv.blocksAllocated()))
        .evidence("hit rate (hits ÷ (hits + allocations))", Num.pct(kv.prefixHitRatePct()))
        .evidence("cached blocks evicted", Num.count(kv.evictions()))
        .evidence("P50 lifetime of an evicted block", Num.sec(kv.evictedBlockLifetimeSec().p50()));
    if (kv.prefixHitRatePct() < 10) {
      return r.verdict("info", "Little prefix reuse: " + Num.pct(kv.prefixHitRatePct()) + " of KV blocks came from "
          + "the cache.", "Expected for unrelated prompts. If prompts should share a prefix, check that it is "
          + "byte-identical and at least one block (block_size tokens) long.");
    }
    return r.verdict("ok", "The prefix cache served " + Num.pct(kv.prefixHitRatePct()) + " of KV blocks, "
        + "saving their prefill.", kv.evictions() > 0
            ? "Evictions show cache pressure: more KV memory would keep shared prefixes longer."
            : "No change needed.");
  }

  static Recommendation cpuOverhead(CpuAnalysis cpu) {
    Recommendation.Builder r = Recommendation.on("CPU overhead")
        .evidence("CPU time in engine operations", Num.ms(cpu.totalCpuMs()))
        .evidence("GPU forward time", Num.ms(cpu.totalForwardMs()))
        .evidence("CPU ÷ forward", Num.pct(cpu.cpuPerForwardPct()));
    cpu.operations().stream().limit(3).forEach(o -> r.evidence(o.operation() + " share", Num.pct(o.sharePct())));
    if (cpu.cpuPerForwardPct() > 30) {
      return r.verdict("watch", "Host-side work is " + Num.pct(cpu.cpuPerForwardPct()) + " of GPU forward time: "
          + "the GPU may idle between steps.", "Try --async-scheduling, which overlaps scheduling with the "
          + "forward pass, and check the largest operation above.");
    }
    return r.verdict("ok", "Host-side work is small next to GPU time (" + Num.pct(cpu.cpuPerForwardPct()) + ").",
        "No change needed.");
  }

  static Recommendation efficiency(EfficiencyAnalysis e) {
    Recommendation.Builder r = Recommendation.on("GPU efficiency (estimated)")
        .evidence("GPU", e.gpu().name() + " (" + e.gpuFrom() + ")");
    for (EfficiencyAnalysis.PhaseEfficiency p : e.phases()) {
      r.evidence(p.phase() + ": MFU / MBU", Num.pct(p.mfuPct()) + " / " + Num.pct(p.mbuPct()));
    }
    EfficiencyAnalysis.PhaseEfficiency decode = e.phases().stream().filter(p -> p.phase().equals("decode"))
        .findFirst().orElse(null);
    if (decode != null && decode.mbuPct() < 30) {
      return r.verdict("watch", "Decode reaches " + Num.pct(decode.mbuPct()) + " of memory bandwidth: small "
          + "batches or launch overhead dominate.", "Larger decode batches (more concurrency, higher "
          + "--max-num-seqs) and CUDA graphs for the common batch sizes raise it.");
    }
    return r.verdict("info", "Estimated from the model config and measured step times; see the method below.",
        "Use it to compare sessions on the same GPU; the absolute figure carries the stated assumptions.");
  }

  private static StepTimeAnalysis.Phase phase(StepTimeAnalysis s, String name) {
    return s.phases().stream().filter(p -> p.phase().equals(name)).findFirst().orElse(null);
  }

  private static String sizes(List<Long> l) {
    return l.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String orUnknown(String s) {
    return s == null || s.isEmpty() ? "not recorded" : s;
  }

  private static double nan0(double v) {
    return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
  }
}
