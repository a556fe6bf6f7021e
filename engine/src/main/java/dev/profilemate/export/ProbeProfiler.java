package dev.profilemate.export;

/** The probe's profilers (probe/profilemate_probe/targets), each with the switches that turn it on. */
public enum ProbeProfiler {
  SCHEDULER("scheduler", "ENABLE_BATCH_UTILIZATION_TRACKING, ENABLE_PREEMPTION_TRACKING (request events)",
      "Scheduler.schedule / update_from_output / add_request / _free_request in the EngineCore"),
  KV_CACHE("kv_cache (with scheduler)", "ENABLE_KV_CACHE_TRACKING",
      "BlockPool.get_new_blocks (and the evictions it makes) / touch / free_blocks / evict_blocks in the EngineCore"),
  PREFIX_CACHE("prefix_cache (with kv_cache)", "ENABLE_KV_CACHE_TRACKING",
      "KVCacheManager.get_computed_blocks and the kv_cache hooks' eviction keys in the EngineCore"),
  CPU_TIMING("cpu_timing (with scheduler)", "ENABLE_CPU_TIMING",
      "Scheduler.schedule / update_from_output, GPUModelRunner._prepare_inputs, Sampler.forward, OutputProcessor"),
  CUDA_GRAPHS("cuda_graphs", "ENABLE_CUDA_GRAPH_TRACKING", "CUDAGraphWrapper on the GPU workers"),
  FORWARD_PASS("forward_pass", "ENABLE_FORWARD_PASS_TIMING, USE_CUDA_EVENTS", "the model runner's forward on the GPU workers"),
  MOE("moe", "ENABLE_MOE_EXPERT_TRACKING, MOE_WEIGHT_SAMPLE_TOKENS, MOE_COUNT_PER_STEP",
      "FusedMoE layers' routing on the GPU workers, and torch's CUDA graph capture edges"),
  ENCODER_DECODER("encoder_decoder", "ENABLE_ENCODER_DECODER_TIMING", "the encoder of encoder-decoder and multimodal models"),
  ALL("every profiler", "—", "every process the probe runs in");

  public final String label;
  public final String switches;
  public final String hooks;

  ProbeProfiler(String label, String switches, String hooks) {
    this.label = label;
    this.switches = switches;
    this.hooks = hooks;
  }
}
