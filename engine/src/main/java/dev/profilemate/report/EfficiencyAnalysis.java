package dev.profilemate.report;

import dev.profilemate.common.GpuCatalogue;

import dev.profilemate.report.SessionRows.ForwardStep;
import dev.profilemate.report.SessionRows.KvSample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Model FLOPs utilisation (MFU) and memory-bandwidth utilisation (MBU), estimated analytically:
 * FLOPs and bytes each forward step must do (from the model config and the step's tokens and
 * sequences) over the measured step time, against the GPU's datasheet peaks.
 */
record EfficiencyAnalysis(
    SectionStatus status,
    String gpuName,
    String gpuFrom,
    GpuCatalogue.Gpu gpu,
    ModelShape model,
    String dtype,
    double bytesPerWeight,
    double kvBytesPerToken,
    long gpusPerReplica,
    double weightsBillions,
    double activeWeightsBillions,
    List<PhaseEfficiency> phases,
    List<String> method) {

  record PhaseEfficiency(String phase, long steps, long tokens, double timeMs, double achievedTflops, double mfuPct,
      double achievedGbps, double mbuPct) {}

  static EfficiencyAnalysis of(SessionData s, String gpuOption) {
    return of(s, gpuOption, GpuCatalogue.bundled());
  }

  static EfficiencyAnalysis of(SessionData s, String gpuOption, GpuCatalogue gpus) {
    SessionMetadata m = s.metadata();
    String gpuName = gpuOption != null && !gpuOption.isBlank() ? gpuOption : m.engineText("gpu_name");
    String from = gpuOption != null && !gpuOption.isBlank() ? "--gpu" : "metadata.json engine.gpu_name";
    Optional<GpuCatalogue.Gpu> gpu = gpus.match(gpuName);
    Optional<ModelShape> shape = ModelShape.of(m.modelConfig());
    List<String> method = methodNotes();
    SectionStatus forward = SectionStatus.of(s, Profiler.FORWARD_PASS);
    String why = null;
    if (!forward.recorded()) {
      why = "needs measured step times (forward_pass_timing.csv): " + forward.reason();
    } else if (shape.isEmpty()) {
      why = "needs the model's shape: metadata.json has no engine.model_config with hidden_size, num_hidden_layers, "
          + "num_attention_heads, intermediate_size and vocab_size";
    } else if (gpu.isEmpty()) {
      why = gpuName.isBlank()
          ? "needs the GPU: metadata.json has no engine.gpu_name; pass --gpu NAME (known: " + gpus.names() + ") or --gpu-peaks FILE"
          : "GPU '" + gpuName + "' is not in the peak-figures table; pass --gpu NAME (known: " + gpus.names() + ") or --gpu-peaks FILE";
    }
    String dtype = m.engineText("dtype");
    double wBytes = ModelShape.bytesOf(dtype, 2);
    String kvDtype = m.engineText("kv_cache_dtype");
    double kvBytes = shape.map(x -> x.kvBytesPerToken(ModelShape.bytesOf(kvDtype, wBytes))).orElse(Double.NaN);
    long tp = Math.max(1, (long) nan(m.engineNumber("tensor_parallel_size"), 1));
    long pp = Math.max(1, (long) nan(m.engineNumber("pipeline_parallel_size"), 1));
    if (why != null) {
      return new EfficiencyAnalysis(SectionStatus.notRecorded(why), gpuName, from, gpu.orElse(null),
          shape.orElse(null), dtype, wBytes, kvBytes, tp * pp,
          shape.map(x -> x.totalWeights() / 1e9).orElse(Double.NaN),
          shape.map(x -> x.activeWeightsPerToken() / 1e9).orElse(Double.NaN), List.of(), method);
    }
    ModelShape model = shape.get();
    GpuCatalogue.Gpu g = gpu.get();
    double peakTflops = wBytes == 1 && !Double.isNaN(g.fp8Tflops()) ? g.fp8Tflops() : g.bf16Tflops();
    double blockSize = nan(m.engineNumber("block_size"), 16);
    double[] kvTimes = s.kvUsage().times();
    Map<String, double[]> acc = new LinkedHashMap<>(); // steps, tokens, ms, flops, bytes
    for (String p : StepTimeAnalysis.PHASES) {
      acc.put(p, new double[5]);
    }
    acc.put("all", new double[5]);
    for (ForwardStep f : s.forward()) {
      if (Double.isNaN(f.forwardMs()) || f.forwardMs() <= 0) {
        continue;
      }
      double flops = model.stepFlops(f.numTokens(), Math.max(1, f.batchSize()));
      double resident = residentTokens(s.kvUsage(), kvTimes, f.timeSec(), blockSize);
      double bytes = model.stepWeightBytes(f.numTokens(), wBytes) + (resident + f.numTokens()) * kvBytes;
      for (String key : List.of(f.phase(), "all")) {
        double[] a = acc.computeIfAbsent(key, k -> new double[5]);
        a[0]++;
        a[1] += f.numTokens();
        a[2] += f.forwardMs();
        a[3] += flops / (tp * pp);
        a[4] += bytes / (tp * pp);
      }
    }
    List<PhaseEfficiency> phases = new ArrayList<>();
    acc.forEach((p, a) -> {
      if (a[0] == 0) {
        return;
      }
      double sec = a[2] / 1e3;
      double tflops = a[3] / sec / 1e12;
      double gbps = a[4] / sec / 1e9;
      phases.add(new PhaseEfficiency(p, (long) a[0], (long) a[1], a[2], tflops, 100 * tflops / peakTflops, gbps,
          100 * gbps / g.memoryBandwidthGbps()));
    });
    return new EfficiencyAnalysis(SectionStatus.RECORDED, gpuName, from, g, model, dtype, wBytes, kvBytes, tp * pp,
        model.totalWeights() / 1e9, model.activeWeightsPerToken() / 1e9, phases, method);
  }

  /** Tokens held in the KV cache at time t: the last usage sample at or before t (blocks × block size). */
  private static double residentTokens(List<KvSample> kv, double[] times, double t, double blockSize) {
    int i = SlowRequests.lowerBound(times, t);
    if (i < times.length && times[i] == t) {
      return kv.get(i).usedBlocks() * blockSize;
    }
    return i == 0 ? 0 : kv.get(i - 1).usedBlocks() * blockSize;
  }

  private static double nan(double v, double fallback) {
    return Double.isNaN(v) ? fallback : v;
  }

  private static List<String> methodNotes() {
    return List.of(
        "FLOPs per step = 2 × active weights × tokens (attention projections, gated MLP of 3 matrices, router, "
            + "top-k experts for MoE) + 2 × hidden_size × vocab_size per sequence for the LM head. Attention-score "
            + "FLOPs (QKᵀ, AV), which grow with context length, are left out, so MFU is a lower bound for long contexts.",
        "Bytes per step = weights read once (dense: all; MoE: attention, router and the experts a step of T tokens "
            + "is expected to touch under uniform routing, E·(1 − (1 − k/E)^T)) + KV cache read for every resident "
            + "token (KV blocks in use at that moment × block_size × 2 × layers × kv_heads × head_dim × dtype bytes) "
            + "+ KV written for the step's tokens. Activations are left out.",
        "Utilisation = work ÷ measured forward time (forward_pass_timing.csv) ÷ the GPU's dense datasheet peak "
            + "(BF16/FP16 tensor cores; FP8 when the weights are 8-bit) or its memory bandwidth. Tensor and "
            + "pipeline parallel work is split evenly over tensor_parallel_size × pipeline_parallel_size GPUs.",
        "Assumed: gated (SwiGLU) MLP, untied embeddings, every layer MoE when the config names experts, no "
            + "shared experts, weights in engine.dtype (2 bytes when unknown). Decode is usually memory-bound, so "
            + "MBU is its meaningful figure; prefill is compute-bound, so read MFU.");
  }
}
