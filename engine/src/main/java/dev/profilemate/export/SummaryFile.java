package dev.profilemate.export;

import static dev.profilemate.export.Column.OPAQUE;
import static dev.profilemate.export.Column.STATS;
import static dev.profilemate.export.Column.col;

import java.util.List;

/**
 * Every JSON and text file a session export writes beside the CSVs, with its keys (JSON: dotted
 * paths, * for a name that varies, [] for each element of a list) as docs/session-files.md
 * describes them. A key whose unit is {@link Column#STATS} or {@link Column#OPAQUE} is described as a whole.
 */
public enum SummaryFile {
  BATCH_UTILIZATION("batch_utilization_summary.json", ProbeProfiler.SCHEDULER, "as batch_utilization.csv",
      "Batch fill over the session. Means are over steps that scheduled something; idle steps are counted apart.",
      col("steps", "count", "schedule() calls.", "Rows of batch_utilization.csv."),
      col("active_steps", "count", "Steps that scheduled at least one token.", "steps − idle steps."),
      col("prefill_steps", "count", "Steps with prefill work only.", "phase = prefill."),
      col("decode_steps", "count", "Steps with decode work only.", "phase = decode."),
      col("mixed_steps", "count", "Steps with both.", "phase = mixed."),
      col("mean_seq_utilization_pct", "%", "Mean batch fill by requests.", "Mean of seq_utilization_pct over active steps."),
      col("mean_token_utilization_pct", "%", "Mean batch fill by tokens.", "Mean of token_utilization_pct over active steps."),
      col("under_utilized_steps", "count", "Active steps below the threshold of token fill.",
          "token_utilization_pct < under_utilized_threshold_pct."),
      col("under_utilized_threshold_pct", "%", "The threshold.", "50 % of max_num_batched_tokens."),
      col("total_tokens", "tokens", "Tokens scheduled.", "Sum of num_tokens."),
      col("prefill_tokens", "tokens", "Prefill tokens scheduled (prompts, chunks, recomputation).", "Sum of num_prefill_tokens."),
      col("decode_tokens", "tokens", "Decode tokens scheduled.", "Sum of num_decode_tokens.",
          "Less than the requests' output tokens by one per completed prefill and recomputation (see num_decode_tokens)."),
      col("max_waiting_queue_len", "requests", "Longest waiting queue seen.", "Max of waiting_queue_len."),
      col("schedule_time", STATS, "CPU time of Scheduler.schedule() per step.", "The scheduling rows of cpu_operations_timing.csv.")),
  CPU_TIMING("cpu_timing_summary.json", ProbeProfiler.CPU_TIMING, "as cpu_operations_timing.csv",
      "Host time per operation.",
      col("operations.*", STATS, "One entry per operation name of cpu_operations_timing.csv.", "Its rows' duration_ms."),
      col("total_ms", "ms", "Host time of all operations.", "Sum of the operations' total_ms.",
          "Operations may nest or overlap across threads; this is a sum, not wall time.")),
  FORWARD_PASS("forward_pass_summary.json", ProbeProfiler.FORWARD_PASS, "forward_pass",
      "Forward-step time per phase.",
      col("steps", "count", "Forward steps recorded.", "Rows of forward_pass_timing.csv."),
      col("gpu_timed_steps", "count", "Steps timed with CUDA events (the rest: host wall time).", "forward_pass.gpu_timed."),
      col("phases.*", STATS, "One entry per phase (prefill, decode, mixed, idle).", "forward_time_ms of its rows.")),
  PREEMPTION("preemption_summary.json", ProbeProfiler.SCHEDULER, "request_event",
      "Requests, finishes and preemptions.",
      col("requests", "requests", "Requests seen (any event).", "Distinct request ids."),
      col("finished", "requests", "Requests that finished.", "finished events."),
      col("preemptions", "count", "Preemptions.", "preempted events; equals vLLM's Request.num_preemptions summed."),
      col("resumes", "count", "Resumes after a preemption.", "resumed events."),
      col("preempted_requests", "requests", "Requests preempted at least once.", "Requests with num_preemptions > 0."),
      col("preemption_rate_pct", "%", "Share of requests preempted at least once.", "100 × preempted_requests / requests."),
      col("recomputed_tokens", "tokens", "Computed tokens thrown away by preemptions.", "Sum of recomputed_tokens."),
      col("reasons.*", "count", "Preemptions per reason (kv_cache_full, prefix_cache_reset, …).", "preempted events' reason."),
      col("finish_reasons.*", "requests", "Finished requests per reason (stop, length, abort, …).", "finished events' reason."),
      col("preemption_delay", STATS, "Time from each preemption to its resume.", "The resumed events' waited_sec.")),
  ENCODER_DECODER("encoder_decoder_summary.json", ProbeProfiler.ENCODER_DECODER, "encoder_decoder, forward_pass",
      "Encoder, decoder and cross-attention time; empty objects for decoder-only models.",
      col("components.*", STATS, "One entry per component; decoder is the language model's forward steps.",
          "encoder_decoder records; forward_pass records for decoder when not recorded apart."),
      col("share_pct.*", "%", "Each component's share of their total time.", "100 × total_ms / sum of total_ms.")),
  PREFIX_CACHE("prefix_cache_summary.json", ProbeProfiler.PREFIX_CACHE, "as prefix_cache_requests.csv",
      "Prefix-cache hit rate overall and by request class, and the requests' miss reasons (docs/prefix-cache.md).",
      col("requests", "requests", "Requests looked up.", "Rows of prefix_cache_requests.csv."),
      col("eligible_blocks", "blocks", "Blocks the requests could have found.",
          "Sum of eligible_blocks, caching_off rows left out (vLLM looked nothing up for them)."),
      col("hit_blocks", "blocks", "Blocks found.", "Sum of hit_blocks over the same rows."),
      col("hit_rate_pct", "%", "Share of eligible blocks found.", "100 × hit_blocks / eligible_blocks; 0 when none."),
      col("misses.*", "requests", "Requests per miss_reason (hit included).", "Rows by miss_reason."),
      col("by_class.*.requests", "requests", "Requests of the class (c1, c2, …; none: no full block).",
          "Rows by class."),
      col("by_class.*.eligible_blocks", "blocks", "As eligible_blocks, for the class.", "Its rows."),
      col("by_class.*.hit_blocks", "blocks", "As hit_blocks, for the class.", "Its rows."),
      col("by_class.*.hit_rate_pct", "%", "The class's hit rate.", "As hit_rate_pct, over its rows."),
      col("by_class.*.misses.*", "requests", "The class's requests per miss_reason.", "Its rows by miss_reason.")),
  LATENCY("latency_summary.json", ProbeProfiler.SCHEDULER, "as latency_parts.csv",
      "Why TTFT and ITL are what they are: the parts of the requests at p50, p90 and p99, each part with its cause "
          + "and the numbers behind it (docs/latency.md).",
      col("ttft.*.requests", "requests", "Requests averaged for this percentile (fractional at band edges).",
          "Those ranked in the band: p50 40–60 %, p90 85–95 %, p99 the top 2 % (at least one)."),
      col("ttft.*.mean_ms", "ms", "Their mean TTFT.", "Mean of ttft_sec × 1000 over the band."),
      col("ttft.*.parts_ms.*", "ms", "Mean of each part (queue_wait, prefill_compute, between_chunks, preemption); "
          + "they add up to mean_ms.", "latency_parts.csv's columns, averaged over the band."),
      col("ttft.*.parts_pct.*", "%", "Each part's share of mean_ms.", "100 × part / mean_ms."),
      col("ttft.*.part_causes.*", "text", "Each part's cause, with its numbers.",
          "Waiting parts: the share of the steps' time, while they waited, in which the KV cache had no room (the "
              + "step preempted, or requests stayed waiting with no other limit reached), max_num_seqs requests ran, "
              + "the token budget was used up. Prefill: prompt tokens, chunks. Preemption: preemptions a request, "
              + "their reasons, recomputed tokens."),
      col("ttft.*.dominant", "text", "The largest part.", "Largest of parts_ms."),
      col("ttft.*.dominant_pct", "%", "Its share.", "parts_pct of it."),
      col("ttft.*.dominant_cause", "text", "Its cause as a name: kv_cache_full, max_num_seqs, token_budget, "
          + "other_work, prompt_length, other_preemption, none.", "The largest condition of that part."),
      col("ttft.*.why", "text", "The answer in one line, e.g. \"71 % queue wait; while they waited to be admitted, "
          + "the KV cache was full 83 % of the time, …\".", "dominant_pct, dominant and its part_causes text."),
      col("itl.*.requests", "requests", "As for ttft, ranked by ITL.", "As ttft.*.requests."),
      col("itl.*.mean_ms", "ms", "Their mean inter-token latency.", "Mean of itl_sec × 1000 over the band."),
      col("itl.*.parts_ms.*", "ms", "Mean of each part (decode_step, sat_out, preemption) per token; they add up to "
          + "mean_ms.", "latency_parts.csv's ITL columns, averaged over the band."),
      col("itl.*.parts_pct.*", "%", "Each part's share of mean_ms.", "100 × part / mean_ms."),
      col("itl.*.part_causes.*", "text", "Each part's cause, with its numbers.",
          "decode_step: the mean step time and batch size; sat_out: the share of steps it was left out of and how "
              + "often the token budget was used up; preemption: as for ttft."),
      col("itl.*.dominant", "text", "The largest part.", "Largest of parts_ms."),
      col("itl.*.dominant_pct", "%", "Its share.", "parts_pct of it."),
      col("itl.*.dominant_cause", "text", "Its cause as a name: batch_step_time, token_budget, kv_cache_full, "
          + "other_preemption, none.", "As for ttft."),
      col("itl.*.why", "text", "The answer in one line.", "As for ttft."),
      col("requests_with_ttft", "requests", "Requests with arrival and first token seen.", "Rows with ttft_sec."),
      col("requests_with_itl", "requests", "Finished requests with two output tokens or more.", "Rows with itl_sec."),
      col("notes", "text", "What is and is not measured in this session (API server output, prefill chunks).",
          "Which records the spools hold.")),
  MOE("moe_summary.json", ProbeProfiler.MOE, "moe_expert_counts_v2, moe_expert_pairs_v2",
      "Expert balance per MoE layer, and the most co-selected expert pairs. Also in moe_expert_tracking/.",
      col("layers[].layer", "index", "Decoder layer.", "As layer_idx."),
      col("layers[].assignments", "token assignments", "Assignments to routed experts over the session.", "Sum of the counts."),
      col("layers[].max_min_ratio", "ratio", "Busiest / idlest expert over the session.", "max / max(1, min) of the totals."),
      col("layers[].std_dev", "token assignments", "Standard deviation of the experts' totals.", "Population std."),
      col("layers[].experts_used", "experts", "Experts that got at least one token.", "Totals > 0."),
      col("layers[].experts", "experts", "Routed experts counted.", "Length of the counts array."),
      col("top_pairs.*[].layer", "index", "Decoder layer (also the key of the list).", "As layer_idx."),
      col("top_pairs.*[].expert1", "id", "Lower expert of the pair.", "As expert_id_1."),
      col("top_pairs.*[].expert2", "id", "Higher expert of the pair.", "As expert_id_2."),
      col("top_pairs.*[].count", "tokens", "Tokens routed to both.", "The 5 largest coselection_count of the layer."),
      col("balanced_threshold_max_min_ratio", "ratio", "The report calls a layer balanced below this max/min ratio.",
          "Constant 2.")),
  METADATA("metadata.json", ProbeProfiler.ALL,
      "process metadata (spool header), process_role, engine_config(_v2), profiler_status, records_lost, probe_losses, "
          + "parallel_identity, clock_anchor, "
          + "moe_layer, moe_routing_hidden",
      "What was profiled: the session, its processes, vLLM's configuration, which profilers and hooks ran, and "
          + "anything lost.",
      col("session.name", "text", "The session folder's name.", "session_YYYYMMDD_HHMMSS[_…]."),
      col("session.start_time", "UTC time", "When the session started.", "The earliest spool's wall-clock start."),
      col("session.end_time", "UTC time", "When the last record was written.", "start_time + (last t_ns − session start)."),
      col("session.duration_sec", "s", "Session length.", "Last record's time − session start."),
      col("session.records", "records", "Spool records read.", "All processes."),
      col("session.spool_schema_version", "version", "Version of the record schema (probe/profilemate_probe/records.json).",
          "RecordSchema.version()."),
      col("hosts", "text", "Hosts the processes ran on.", "The spool headers' host."),
      col("processes[].pid", "pid", "Process id.", "Spool header."),
      col("processes[].role", "text", "main, engine_core, worker, api_server, …", "process_role record, else the spool header."),
      col("processes[].rank", "index", "Data-parallel / tensor-parallel rank; −1 when none.", "process_role.rank."),
      col("processes[].host", "text", "Host name.", "Spool header."),
      col("processes[].spool", "text", "The process's spool file under raw/.", "File name."),
      col("processes[].records", "records", "Records read from it.", "Count."),
      col("processes[].closed_cleanly", "true/false", "Whether the process closed its spool (false: killed or crashed).",
          "The spool's end marker."),
      col("processes[].incomplete", "true/false", "Whether the spool ended mid-chunk (partial data).", "SpoolReader."),
      col("processes[].python", "version", "Python version.", "Spool header."),
      col("processes[].parallel", OPAQUE, "The process's place in vLLM's parallel layout: node, world_rank, world_size, "
              + "local_rank, dp_rank, dp_size, pp_rank, pp_size, tp_rank, tp_size, ep_rank, ep_size, pcp_rank, pcp_size, "
              + "dcp_rank, dcp_size (−1 where the process has no such group), enable_expert_parallel, enable_eplb, "
              + "sequence_parallel_moe (vLLM's ParallelConfig.use_sequence_parallel_moe: TP ranks may route different "
              + "tokens), and the source (initialize_model_parallel for a worker's groups, engine_core for an EngineCore's ParallelConfig); "
              + "absent where the process recorded none.",
          "The process's last parallel_identity record (spool minor 9); the per-step files' rank columns come from it.",
          "An EngineCore has a DP rank only, unless its executor runs the worker in-process (one GPU)."),
      col("processes[].clock.aligned_by", "text", "How the process's records were put on the session's timeline: the "
              + "monotonic clock of the session's node (shared by its processes), or wall-clock anchors (another node).",
          "The spool header's host against the reference node (the process with the earliest wall-clock anchor).",
          "export and collect align other-node processes alike: collect's files show the export's times."),
      col("processes[].clock.shift_ns", "ns", "For another node's process: what its monotonic times were moved by "
              + "onto the session's clock, at its last anchor; absent on the session's node.",
          "Its wall − t_ns at its latest anchor, less the reference process's (the spool header's anchor before the first)."),
      col("processes[].clock.anchors", "count", "clock_anchor records of the process (monotonic vs wall clock, read "
          + "together by the probe's spool thread every VLLM_PROFILING_ANCHOR_SECONDS, default 10).", "Count."),
      col("processes[].clock.max_uncertainty_ns", "ns", "The widest anchor read: two monotonic reads around one wall "
          + "read, this far apart.", "Max of clock_anchor.uncertainty_ns."),
      col("processes[].clock.max_step_between_anchors_ns", "ns", "How far wall minus monotonic time moved from one "
              + "anchor to the next (for another node's process: how far each anchor moved its mapping).",
          "Max |Δ(wall_ns − t_ns)| over consecutive anchors (the spool header's anchor first for another node).",
          "On another node records between two anchors take the earlier anchor's mapping, so this bounds their error."),
      col("processes[].clock.drift_ppm", "ppm", "Drift of the node's wall clock against its monotonic clock over the "
              + "session (NTP slewing it).", "(last − first anchor's wall − t_ns) / their distance; null with fewer than "
              + "two anchors or for another node's process."),
      col("processes[].clock.error_bound_ns", "ns", "How far the process's times can be off the session's timeline.",
          "0 on the session's node (one CLOCK_MONOTONIC); on another node its max uncertainty + the reference node's + "
              + "max_step_between_anchors_ns; null without anchors.",
          "Assumes the nodes' wall clocks agree (NTP, PTP): their disagreement is not in the spools and adds to it. "
              + "Measured on one host: docs/multi-gpu.md."),
      col("profilers_enabled", "text", "The probe switches that were on (any process).", "Spool headers' profilers."),
      col("probe_config", OPAQUE, "The probe's ProfilingConfig values (VLLM_PROFILING_*, ENABLE_*, …) of the first process.",
          "Spool header config."),
      col("moe_routing_weights_sampling", OPAQUE, "How moe_routing_weights_hist.csv sampled tokens (tokens_per_layer, "
              + "every_forward_steps, which); absent when sampling was off.", "MOE_WEIGHT_SAMPLE_TOKENS, CUDA_EVENT_BATCH_SIZE."),
      col("moe", OPAQUE, "The model's MoE shape (n_routed_experts, n_shared_experts, top_k, grouping, routing, "
              + "expert_backend, num_hidden_layers, moe_layers, dense_layers, counts_not_recorded…); absent for dense models.",
          "moe_layer and moe_routing_hidden records."),
      col("engine", OPAQUE, "vLLM's configuration as the probe read it (model, max_num_seqs, max_num_batched_tokens, "
              + "block_size, num_gpu_blocks, cudagraph_mode, vllm_version, model_config, …).",
          "engine_config / engine_config_v2 records, merged.",
          "num_gpu_blocks includes BlockPool's null block: usable blocks (total_blocks) are one fewer."),
      col("probe_targets", OPAQUE, "Per hooked vLLM function (module:qualname): profiler, state (attached, missing, "
              + "disabled, skipped) and reason.", "profiler_status records."),
      col("warnings", "text", "Anything the export could not read or the probe lost: damaged spool ranges, full record "
              + "queues, values cut to fit, unreadable config.", "Reader warnings, records_lost, probe_losses.",
          "Non-empty means some files may under-count; each line says which and from when."),
      col("capture_rules", "text", "The triggered-capture rules capture_windows.csv was made with, e.g. "
              + "\"kv_usage:threshold=95,rearm=90; …; capture:before=30,after=30\" (rule:off when off).",
          "The defaults (docs/triggered-capture.md) with export's or collect's --trigger values applied.")),
  KV_CACHE("kv_cache_summary.txt", ProbeProfiler.KV_CACHE, "as kv_cache_usage.csv and kv_cache_evictions.csv",
      "The KV cache numbers a user reads first, one \"label: value\" line each.",
      col("scheduler steps sampled", "count", "Steps (rows of kv_cache_usage.csv).", "Count."),
      col("span (s)", "s", "Time from the first step to the last.", "Last − first timestamp_sec."),
      col("total KV blocks", "blocks", "Usable blocks.", "Max total_blocks.", "vLLM's num_gpu_blocks − 1 (the null block)."),
      col("mean usage (%)", "%", "Mean of usage_pct over steps.", "Mean."),
      col("peak usage (%)", "%", "Max of usage_pct.", "Max."),
      col("steps above 90% usage (%)", "%", "Share of steps with usage_pct > 90.", "Count / steps."),
      col("steps below 40% usage (%)", "%", "Share of steps with usage_pct < 40.", "Count / steps."),
      col("blocks allocated", "blocks", "Blocks handed out by BlockPool.get_new_blocks.", "Sum of the steps' kv_blocks_allocated."),
      col("prefix-cache hit blocks", "blocks", "Cached blocks reused by a prefix-cache hit.",
          "Sum of kv_prefix_hit_blocks (BlockPool.touch); × block_size = vLLM's PrefixCacheStats hits."),
      col("cached blocks evicted", "blocks", "Rows of kv_cache_evictions.csv.", "Count."),
      col("preemptions", "count", "Preemptions seen by the step records.", "Sum of num_preempted."),
      col("prefix-cache lookups", "text", "Requests looked up in the prefix cache and the blocks they found.",
          "prefix_cache_summary.json requests, hit_blocks, eligible_blocks, hit_rate_pct.",
          "n/a (not recorded) for spools before minor 8."),
      col("prefix-cache misses", "text", "Requests per miss reason (docs/prefix-cache.md), hits left out.",
          "prefix_cache_summary.json misses."),
      col("block lifetime at eviction (s)", STATS, "lifetime_sec of the evictions: mean p50 p95 p99 max, in seconds.",
          "kv_cache_evictions.csv."),
      col("idle before eviction (s)", STATS, "idle_sec of the evictions: mean p50 p95 p99 max, in seconds.",
          "kv_cache_evictions.csv."));

  public final String fileName;
  public final ProbeProfiler profiler;
  public final String sources;
  public final String purpose;
  public final List<Column> keys;

  SummaryFile(String fileName, ProbeProfiler profiler, String sources, String purpose, Column... keys) {
    this.fileName = fileName;
    this.profiler = profiler;
    this.sources = sources;
    this.purpose = purpose;
    this.keys = List.of(keys);
  }

  public boolean isJson() {
    return fileName.endsWith(".json");
  }
}
