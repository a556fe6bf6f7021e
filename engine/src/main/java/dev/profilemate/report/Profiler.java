package dev.profilemate.report;

import dev.profilemate.export.SessionFile;
import java.util.List;

/** The profilers of SPEC.md §1–2: their switch, the probe modules that feed them, their main file. */
enum Profiler {
  KV_CACHE("ENABLE_KV_CACHE_TRACKING", List.of("kv_cache", "scheduler"), SessionFile.KV_CACHE_USAGE),
  CUDA_GRAPHS("ENABLE_CUDA_GRAPH_TRACKING", List.of("cuda_graph", "cuda_graphs"), SessionFile.CUDA_GRAPH_USAGE),
  FORWARD_PASS("ENABLE_FORWARD_PASS_TIMING", List.of("forward_pass", "forward_timing", "model_runner"),
      SessionFile.FORWARD_PASS),
  CPU_TIMING("ENABLE_CPU_TIMING", List.of("cpu_timing", "scheduler"), SessionFile.CPU_OPERATIONS),
  BATCH_UTILIZATION("ENABLE_BATCH_UTILIZATION_TRACKING", List.of("scheduler"), SessionFile.BATCH_UTILIZATION),
  PREEMPTION("ENABLE_PREEMPTION_TRACKING", List.of("scheduler"), SessionFile.REQUEST_LIFECYCLE),
  MOE("ENABLE_MOE_EXPERT_TRACKING", List.of("moe", "moe_experts"), SessionFile.MOE_ACTIVATIONS),
  ENCODER_DECODER("ENABLE_ENCODER_DECODER_TIMING", List.of("encoder_decoder"), SessionFile.ENCODER_DECODER);

  final String flag;
  final List<String> probeModules;
  final SessionFile file;

  Profiler(String flag, List<String> probeModules, SessionFile file) {
    this.flag = flag;
    this.probeModules = probeModules;
    this.file = file;
  }
}
