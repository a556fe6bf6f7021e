package dev.profilemate.report;

import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's header: which session, model, vLLM and engine settings. {@code model} is the name
 * shown ({@link ModelName}), {@code modelArgument} what vLLM was given; {@code startTime} is
 * metadata's UTC instant, {@code started} the same in readable local time.
 */
record SessionSummary(
    String session,
    String model,
    String modelArgument,
    String startTime,
    String started,
    double durationSec,
    String vllmVersion,
    String gpu,
    Map<String, String> engineConfig,
    List<String> profilersEnabled,
    List<String> warnings,
    List<String> gpuSectionsNotRecorded) {

  /** Engine settings shown in the header, in this order, when recorded. */
  static final List<String> CONFIG_KEYS = List.of("max_model_len", "max_num_seqs", "max_num_batched_tokens",
      "block_size", "num_gpu_blocks", "gpu_memory_utilization", "enable_prefix_caching", "enable_chunked_prefill",
      "tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size", "dtype", "kv_cache_dtype",
      "device", "cudagraph_mode", "enforce_eager", "torch_version", "cuda_version");

  /** {@code zone}: the zone the start time is shown in (the machine's, where the report is made). */
  static SessionSummary of(SessionData s, Analyses a, ZoneId zone) {
    SessionMetadata m = s.metadata();
    Map<String, String> cfg = new LinkedHashMap<>();
    for (String k : CONFIG_KEYS) {
      String v = m.engineText(k);
      if (!v.isEmpty()) {
        cfg.put(k, v);
      }
    }
    String name = m.sessionText("name");
    String gpu = a.efficiency().gpu() != null ? a.efficiency().gpu().name() : a.efficiency().gpuName();
    return new SessionSummary(
        !name.isEmpty() ? name : s.dir() == null ? "none (kernel traces only)" : String.valueOf(s.dir().getFileName()),
        ModelName.of(m.model()),
        m.model(),
        m.sessionText("start_time"),
        ReadableTime.local(m.sessionText("start_time"), zone),
        m.durationSec(),
        m.engineText("vllm_version"),
        gpu != null && !gpu.isEmpty() ? gpu : SessionDevice.of(m).cpuOnly() ? "none (the session ran on the CPU)"
            : "not recorded",
        cfg,
        m.profilersEnabled(),
        m.warnings(),
        SessionDevice.of(m).gpuSectionsNotRecorded(a));
  }
}
