package dev.profilemate.export;

import static dev.profilemate.export.Column.col;

import java.util.List;

/**
 * Every CSV a session export writes, with its columns as the documentation describes them
 * (docs/session-files.md is generated from here by {@link SessionFilesDoc}). Seed columns come
 * first and keep their names; columns after them are ProfileMate's additions.
 */
public enum SessionFile {
  CUDA_GRAPH_CAPTURES("cuda_graph_captures.csv", ProbeProfiler.CUDA_GRAPHS, "cuda_graph_capture, cuda_graph_reset",
      "One row per CUDA graph vLLM captured (per distinct BatchDescriptor and runtime mode), at the end of the export.",
      "Graphs captured before the last cuda_graph_reset (vLLM's clear_all_graphs / release_graphs) are left out.",
      Cols.RUNTIME_MODE, Cols.NUM_TOKENS, Cols.NUM_REQS, Cols.UNIFORM, Cols.HAS_LORA,
      col("capture_time_sec", "s", "Time vLLM spent capturing this graph.",
          "Sum of the cuda_graph_capture records' duration_ns for this descriptor (a descriptor captured twice adds up).")),
  CUDA_GRAPH_USAGE("cuda_graph_usage.csv", ProbeProfiler.CUDA_GRAPHS, "cuda_graph_capture, cuda_graph_replay, cuda_graph_reset",
      "One row per graph captured or replayed.", "",
      Cols.RUNTIME_MODE, Cols.NUM_TOKENS, Cols.NUM_REQS, Cols.UNIFORM, Cols.HAS_LORA,
      col("replay_count", "count", "How many forward steps ran this graph.",
          "Number of cuda_graph_replay records with this descriptor.",
          "0 for a graph captured but never replayed: a capture size the workload never hit.")),
  CUDA_GRAPH_TIMELINE("cuda_graph_timeline.csv", ProbeProfiler.CUDA_GRAPHS, "cuda_graph_replay",
      "One row per graph replay, in time order.", "",
      Cols.TIMESTAMP,
      col("descriptor", "text", "The graph, as vLLM's BatchDescriptor prints it.",
          "runtime_mode num_tokens=… num_reqs=… uniform=… has_lora=…"),
      col("duration_ms", "ms", "Host time of the replay call.",
          "duration_ns of the record: wall time around CUDAGraphWrapper.__call__ on the worker's CPU.",
          "Host time, not GPU time: a replay is asynchronous; GPU time is in forward_pass_timing.csv."),
      Cols.RUNTIME_MODE, Cols.NUM_TOKENS, Cols.NUM_REQS, Cols.UNIFORM, Cols.HAS_LORA),
  KV_CACHE_USAGE("kv_cache_usage.csv", ProbeProfiler.KV_CACHE, "scheduler_step_v3 (or _v2 / scheduler_step), scheduler_limits",
      "One row per Scheduler.schedule() call: KV cache usage right after vLLM scheduled the step.", "",
      Cols.STEP_TIMESTAMP,
      col("usage_pct", "%", "Share of the KV cache's usable blocks in use (vLLM's own kv_cache_manager.usage).",
          "100 × num_blocks / total_blocks."),
      col("num_blocks", "blocks", "Blocks in use (not on the free queue).",
          "total_blocks − the block pool's free blocks (kv_free_blocks of the step record).",
          "Cached blocks that are free but still hold a prefix count as free, as vLLM counts them."),
      col("total_blocks", "blocks", "Usable KV blocks of this EngineCore.",
          "scheduler_limits.kv_total_blocks: the BlockPool's num_gpu_blocks − 1.",
          "One less than vLLM's num_gpu_blocks (metadata.json engine.num_gpu_blocks): BlockPool keeps block 0 as "
              + "its null block, never handed out, so e.g. 97 blocks configured are 96 usable.")),
  KV_CACHE_EVICTIONS("kv_cache_evictions.csv", ProbeProfiler.KV_CACHE, "kv_block_eviction",
      "One row per cached KV block dropped from the prefix cache (its hash forgotten) to be reused.",
      "Blocks freed without ever being cached (no full block, or prefix caching off) are not evictions and have no row.",
      Cols.TIMESTAMP,
      col("lifetime_sec", "s", "How long the block held this content.",
          "Eviction time − when the block was last handed out by BlockPool.get_new_blocks.",
          "Measured by the probe on vLLM's thread; vLLM's own KVCacheMetricsCollector agrees to a few µs "
              + "(probe/tests/test_vllm_scheduler.py)."),
      col("idle_sec", "s", "How long the block sat free (cached, reusable) before eviction.",
          "Eviction time − when its last holder freed it; 0 for a block still in use (a KV connector's evict_blocks)."),
      col("block_id", "id", "vLLM's block id in the BlockPool.", "KVCacheBlock.block_id.")),
  PREFIX_CACHE_REQUESTS("prefix_cache_requests.csv", ProbeProfiler.PREFIX_CACHE, "prefix_cache_lookup, kv_block_eviction",
      "One row per request's prefix-cache lookup (the last before vLLM scheduled it), with why it missed "
          + "(docs/prefix-cache.md); written at the end of the export, in the order requests were first looked up.",
      "From salted block keys and counts alone: the probe writes no text, token ids, cache salts or adapter names. A "
          + "preempted request's later lookups are left out. Header only for spools before minor 8.",
      col("timestamp_sec", "s", "When vLLM looked the request up, in seconds since the session started.",
          "prefix_cache_lookup t_ns (the last lookup before the request was scheduled)."),
      col("request_id", "id", "vLLM's request id.", "prefix_cache_lookup.request_id.").typed(ColumnType.VARCHAR),
      col("class", "text", "The request's class: requests whose first full block is the same (a shared system "
          + "prompt, with the same cache salt and adapter), numbered c1, c2, … in the order first seen.",
          "Distinct prefix_cache_lookup.first_key per process.", "Empty for a prompt without a full block."),
      col("class_key", "hex", "The class's salted key, to match classes across files of one session.",
          "first_key as 16 hex digits.", "Salted per process: the same prompt has another key in another process or run."),
      col("prompt_tokens", "tokens", "Tokens of the request at the lookup.", "prefix_cache_lookup.num_tokens."),
      col("block_size", "tokens", "Tokens per KV block.", "prefix_cache_lookup.block_size."),
      col("blocks", "blocks", "Full blocks of the prompt.", "prefix_cache_lookup.blocks."),
      col("eligible_blocks", "blocks", "Blocks a hit may cover.", "prefix_cache_lookup.eligible_blocks: "
          + "min(blocks, (prompt_tokens − 1) / block_size).",
          "vLLM always recomputes the last prompt token, so a prompt of whole blocks can hit one block fewer."),
      col("hit_blocks", "blocks", "Blocks found in the prefix cache.", "prefix_cache_lookup.hit_blocks."),
      col("miss_reason", "text", "Why the first block not found was not: hit (nothing missed), caching_off, "
          + "evicted, misaligned, extras_mismatch, not_cached_yet, never_seen, no_full_block (docs/prefix-cache.md).",
          "In this order: caching_off when prefix caching is off or the request skips reading it (prompt logprobs, "
              + "pooling); no_full_block when eligible_blocks is 0; hit when hit_blocks = eligible_blocks; evicted when "
              + "the missed block's key was in a kv_block_eviction before the lookup; else the probe's shape: "
              + "misaligned, extras_mismatch, not_cached_yet (the same block seen, never evicted), never_seen."),
      col("miss_block", "index", "Index of the first block not found.", "hit_blocks; −1 for hit, caching_off and "
          + "no_full_block."),
      col("shared_tokens", "tokens", "For misaligned: tokens of the missed block that an earlier request had too.",
          "prefix_cache_lookup.shared_tokens: the longest common prefix of the block with a block the probe saw "
              + "after the same parent block; 0 for the other reasons.",
          "Exact against the (at most 4) blocks the probe remembers per parent and first token."),
      col("mismatch", "text", "For extras_mismatch: which extra keys differ from the block an earlier request had: "
          + "cache_salt, lora, mm, prompt_embeds (joined by +).", "prefix_cache_lookup.mismatch bits."),
      col("evicted_ago_sec", "s", "For evicted: how long before the lookup the missed block was evicted.",
          "Lookup t_ns − the block key's last kv_block_eviction t_ns before it; empty for the other reasons."),
      col("lookups", "count", "Lookups of the request before it was scheduled (more than 1: it waited for blocks).",
          "prefix_cache_lookup records of the request without the resumed flag.")),
  MOE_ACTIVATIONS("moe_expert_activations.csv", ProbeProfiler.MOE, "moe_expert_counts_v2 (or moe_expert_counts)",
      "One row per (process, MoE layer, routed expert): tokens the process's router sent to the expert over the session.",
      Cols.MOE_CAVEAT,
      Cols.LAYER,
      col("expert_id", "id", "Routed expert index within the layer.", "Index into the layer's counts array."),
      col("activation_count", "token assignments", "Tokens routed to this expert (a token with top_k = 2 counts at two experts).",
          "Sum of the counts the probe read back from the GPU counters."),
      col("percentage", "%", "This expert's share of the layer's assignments on this rank.",
          "100 × activation_count / the process's total of the layer.", "Uniform routing gives 100 / routed experts."),
      Cols.IN_MODEL_TOTAL),
  MOE_COSELECTION("moe_expert_coselection.csv", ProbeProfiler.MOE, "moe_expert_pairs_v2 (or moe_expert_pairs)",
      "One row per (process, layer, pair of experts) chosen together for one token.", Cols.MOE_CAVEAT,
      Cols.LAYER,
      col("expert_id_1", "id", "The lower expert index of the pair.", "Decoded from the record's keys (expert_1 × experts + expert_2)."),
      col("expert_id_2", "id", "The higher expert index of the pair.", "As expert_id_1."),
      col("coselection_count", "tokens", "Tokens routed to both experts.", "Sum over the records' counts."),
      Cols.IN_MODEL_TOTAL),
  MOE_WEIGHTS("moe_routing_weights_hist.csv", ProbeProfiler.MOE, "moe_weight_sample",
      "Sampled routing weights: one row per (sampled token, expert it was routed to).",
      "A sample, not every token: metadata.json moe_routing_weights_sampling says which tokens.",
      Cols.LAYER,
      col("token_idx", "index", "Position of the sampled token in its forward step.", "The record's token_idx."),
      col("expert_id", "id", "Expert the token was routed to.", "The record's expert."),
      col("weight", "weight", "The router's weight for this expert and token.", "The record's weight, 6 decimals.")),
  MOE_IMBALANCE("moe_load_imbalance.csv", ProbeProfiler.MOE, "moe_expert_counts_v2 (or moe_expert_counts)",
      "One row per counter read-back of a layer (a window of forward steps): how unevenly the experts were loaded.",
      Cols.MOE_CAVEAT,
      Cols.LAYER, Cols.TIMESTAMP,
      col("std_dev", "tokens", "Standard deviation of the experts' token counts in the window.", "Population std over the counts array.")
          .typed(ColumnType.DOUBLE),
      col("max_min_ratio", "ratio", "Busiest expert's tokens / idlest expert's tokens in the window.",
          "max / max(1, min): an idle expert counts as 1 so the ratio stays finite.", "1 is perfectly balanced.")),
  MOE_WEIGHT_HISTOGRAM("moe_routing_weights_histogram.csv", ProbeProfiler.MOE, "moe_weight_histogram_v2 (or moe_weight_histogram)",
      "Routing-weight histogram of every routed token: one row per (process, layer, expert, non-empty bin).",
      Cols.MOE_CAVEAT,
      Cols.LAYER,
      col("expert_id", "id", "Routed expert index.", "Decoded from the record's keys (expert × bins + bin)."),
      col("weight_lo", "weight", "Lower edge of the bin (inclusive).", "lo + bin × (hi − lo) / num_bins of the record."),
      col("weight_hi", "weight", "Upper edge of the bin (exclusive).", "weight_lo + bin width."),
      col("count", "token assignments", "Assignments whose weight fell in the bin.", "Sum over the records' counts."),
      Cols.IN_MODEL_TOTAL),
  MOE_LAYERS("moe_layers.csv", ProbeProfiler.MOE, "moe_layer, moe_routing_hidden, moe_expert_counts_v2",
      "One row per (process, decoder layer), MoE or dense, with its MoE shape and what the process routed.",
      "A process with pipeline parallelism holds its stage's layers only: its MoE layers have rows, its dense layers "
          + "none (which they are is not recorded).",
      Cols.LAYER,
      col("kind", "text", "moe or dense.", "moe when vLLM built a FusedMoE for the layer (moe_layer) or it has counts."),
      col("routed_experts", "experts", "Routed experts of the layer.", "moe_layer.routed_experts; empty for dense layers."),
      col("shared_experts", "experts", "Shared experts (run for every token, not routed).", "moe_layer.shared_experts."),
      col("top_k", "experts", "Experts each token is routed to.", "moe_layer.top_k."),
      col("num_expert_group", "groups", "Expert groups of grouped top-k (DeepSeek style); 0 without grouping.",
          "moe_layer.num_expert_group."),
      col("topk_group", "groups", "Groups each token may pick from; 0 without grouping.", "moe_layer.topk_group."),
      col("tokens", "tokens", "Real tokens the layer routed (graph padding excluded).", "Sum of moe_expert_counts_v2.tokens.",
          "Empty for spools before minor 4, which did not count tokens."),
      col("routed_tokens", "token assignments", "Assignments to routed experts (≈ tokens × top_k).",
          "Sum of the layer's moe_expert_activations.csv counts."),
      col("shared_expert_tokens", "tokens", "Tokens that went through the shared experts.", "tokens × shared_experts."),
      col("counts", "text", "Whether the layer's counts were recorded.",
          "recorded, none routed, or \"MoE counts not recorded: BACKEND routes inside its kernel\" (moe_routing_hidden)."),
      Cols.IN_MODEL_TOTAL),
  EPLB_PLACEMENTS("eplb_placements.csv", ProbeProfiler.MOE, "eplb_placement, moe_expert_counts_v2",
      "One row per expert placement vLLM's EPLB put in force (at start-up, each rearrangement) and MoE layer: the "
          + "load of the expert counts recorded while it was in force, per expert-parallel rank.",
      "With --enable-eplb on a GPU MoE model only (header alone otherwise; spool minor 10). The k-th placement of "
          + "every worker is the same (EP ranks rearrange together): its map is the first worker's, its counts the "
          + "model-wide sum (the in_model_total processes). A count window belongs to the placement its worker had "
          + "when the window was read back (windows of CUDA_EVENT_BATCH_SIZE steps; EPLB rearranges every "
          + "eplb_config.step_interval steps). Async EPLB commits layer by layer: the commit of MoE layer 0 opens "
          + "the next placement (docs/expert-parallel.md).",
      col("placement", "index", "The placement, counted from 0 (the initial one) in the order vLLM committed them.",
          "The k-th eplb_placement record of each worker."),
      col("timestamp_sec", "s", "When vLLM committed the placement, in seconds since the session started.",
          "(eplb_placement.t_ns − session start) / 1e9."),
      col("event", "text", "initial (EplbState.add_model), rearranged (a committed rearrangement) or skipped (a "
              + "real rearrangement vLLM did not commit: no material gain; the map kept).", "eplb_placement.event."),
      Cols.LAYER,
      col("ep_size", "count", "Expert-parallel ranks the physical experts are spread over.",
          "eplb_placement.ep_size (num_physical_experts / num_local_physical_experts)."),
      col("physical_experts", "experts", "Physical expert slots of the layer: logical experts + redundant replicas.",
          "eplb_placement.num_physical."),
      col("routed_tokens", "token assignments", "Assignments to routed experts in the layer while the placement was in "
              + "force, model-wide.", "Sum of expert_counts."),
      col("imbalance", "ratio", "Busiest EP rank's load / the mean rank load in this layer under this placement "
              + "(1.00 is perfect): every rank waits for the busiest at each MoE layer.",
          "A rank's load is the sum over its slots (rank r: slots r·P/ep .. (r+1)·P/ep − 1) of the slot's logical "
              + "expert's tokens / that expert's replica count, as vLLM's rank_load_imbalance computes it.",
          "Empty where no tokens were counted under the placement."),
      col("model_imbalance", "ratio", "vLLM's own rank_load_imbalance of the placement: busiest / mean of each rank's "
              + "load summed over all the placement's layers (the same on each of its rows).",
          "EplbState.rearrange's rank_load_imbalance (vllm/distributed/eplb/eplb_state.py) on these counts.",
          "Lower than the per-layer figures when different layers' busiest ranks differ: a layer still waits for "
              + "its own busiest rank, which the imbalance column measures."),
      col("expert_counts", "text", "The logical experts' tokens while the placement was in force, space-separated "
              + "by expert id (for the what-ifs: the report places the same counts as vLLM's EPLB and "
              + "determine_expert_map would).",
          "Sum of moe_expert_counts_v2.counts of the window's records.")),
  FORWARD_PASS("forward_pass_timing.csv", ProbeProfiler.FORWARD_PASS, "forward_pass",
      "One row per model forward step on a worker.",
      "Written on GPU workers only: on a CPU-only run (the demo) this file has its header alone.",
      Cols.TIMESTAMP,
      col("phase", "text", "prefill, decode, mixed or idle: what the step's requests did.",
          "From the SchedulerOutput the worker received: a request is prefill work when it is new, has no output yet, "
              + "was resumed, or schedules more than 1 + its draft tokens."),
      col("batch_size", "requests", "Requests in the step.", "len(num_scheduled_tokens)."),
      col("num_tokens", "tokens", "Tokens the step computed.", "total_num_scheduled_tokens."),
      col("forward_time_ms", "ms", "GPU time of the step's forward pass.",
          "CUDA events around the model's forward when gpu_timed (forward_pass_summary.json gpu_timed_steps), else host wall time.",
          "Events are read back in batches (CUDA_EVENT_BATCH_SIZE), so rows arrive late; host time includes launch overhead."),
      col("throughput_tokens_per_sec", "tokens/s", "Tokens per second of this step alone.", "num_tokens / forward_time.")),
  RANK_STRAGGLERS("rank_stragglers.csv", ProbeProfiler.FORWARD_PASS, "forward_pass, parallel_identity",
      "One row per step of a tensor-parallel group (the workers of one DP and PP rank): which TP rank ended its "
          + "forward pass last, how far behind the median rank, and where its lag arose.",
      "Tensor parallelism only (header alone with one GPU per engine). A group's steps pair up by their order in each "
          + "rank's spool (every TP rank runs every step); a step some rank never recorded is given up after 4,096 "
          + "(a metadata.json warning counts them). Ends are host start + forward time: with CUDA-event timing "
          + "the forward time is the GPU's, so a rank whose kernels queued behind earlier work shows as a start lag.",
      col("step", "index", "The group's step, counted from 0 in the order its ranks ran them.",
          "The n-th forward_pass of every rank of the group."),
      Cols.TIMESTAMP_FIRST,
      col("dp_rank", "rank", "Data-parallel rank of the group.", "parallel_identity.dp_rank of its workers."),
      col("pp_rank", "rank", "Pipeline-parallel rank (stage) of the group.", "parallel_identity.pp_rank."),
      col("tp_size", "count", "Tensor-parallel ranks in the group.", "parallel_identity.tp_size."),
      col("phase", "text", "prefill, decode, mixed or idle: the slowest rank's step.", "forward_pass.phase."),
      col("num_tokens", "tokens", "Tokens the step computed.", "forward_pass.num_tokens of the slowest rank."),
      col("slowest_tp_rank", "rank", "The TP rank whose forward pass ended last.",
          "Largest start + forward time; the lower rank on ties."),
      col("slowest_node", "text", "The node of the slowest rank.", "parallel_identity.node."),
      col("lag_ms", "ms", "How long after the group's median end the slowest rank ended: the time the others "
              + "wait for it at the step's next collective.",
          "slowest end − median of the ranks' ends (two ranks: half their gap).",
          "The ranks' clocks: one node's processes share its monotonic clock; other nodes are aligned by their clock "
              + "anchors (docs/multi-gpu.md), whose error bound adds here."),
      col("start_lag_ms", "ms", "How much later than the median the slowest rank started its forward.",
          "slowest start − median start."),
      col("forward_lag_ms", "ms", "How much longer than the median the slowest rank's forward ran.",
          "slowest forward time − median forward time."),
      col("lag_in", "text", "Where the lag arose: before_forward (started late: input preparation, host work, "
              + "a slow previous step) or forward (ran longer).",
          "before_forward when start_lag_ms > forward_lag_ms, else forward.")),
  CPU_OPERATIONS("cpu_operations_timing.csv", ProbeProfiler.CPU_TIMING,
      "scheduler_step_v3 (scheduling, update_from_output), scheduler_update, cpu_operation",
      "One row per timed host-side operation.", "",
      Cols.TIMESTAMP,
      col("operation", "text", "scheduling (Scheduler.schedule), update_from_output, batch_preparation, sampling, output_processing, …",
          "The scheduler's own step records give scheduling and update_from_output; cpu_operation records the rest."),
      col("duration_ms", "ms", "Wall time of the call.", "monotonic clock around the hooked call."),
      col("context", "text", "Which step (step=N) or what the call handled (outputs=N).",
          "update_from_output carries the step it updated: the one scheduled before.")),
  BATCH_UTILIZATION("batch_utilization.csv", ProbeProfiler.SCHEDULER, "scheduler_step_v3 (or _v2 / scheduler_step), scheduler_limits",
      "One row per Scheduler.schedule() call: what vLLM scheduled and how full the batch was.", "",
      Cols.STEP_TIMESTAMP,
      col("num_seqs", "requests", "Requests scheduled in the step.", "len(SchedulerOutput.num_scheduled_tokens)."),
      col("max_num_seqs", "requests", "vLLM's max_num_seqs.", "scheduler_limits."),
      col("seq_utilization_pct", "%", "Batch fill by requests.", "100 × num_seqs / max_num_seqs."),
      col("num_tokens", "tokens", "Tokens scheduled in the step (prefill + decode).", "total_num_scheduled_tokens."),
      col("max_tokens", "tokens", "vLLM's max_num_batched_tokens (the step's token budget).", "scheduler_limits."),
      col("token_utilization_pct", "%", "Batch fill by tokens.", "100 × num_tokens / max_tokens.",
          "Decode-only steps use one token per request, so this is low whenever few prompts are being read."),
      col("phase", "text", "prefill, decode, mixed (both) or idle (nothing scheduled).",
          "From num_prefill_tokens and num_decode_tokens."),
      col("running_queue_len", "requests", "Requests in vLLM's running queue after scheduling.", "len(Scheduler.running)."),
      col("waiting_queue_len", "requests", "Requests waiting (not yet admitted, or preempted) after scheduling.",
          "len(Scheduler.waiting)."),
      col("step", "index", "The step's number in this EngineCore, from 0.", "Counted by the probe per schedule() call."),
      col("num_prefill_tokens", "tokens", "Tokens of requests doing prefill work: new requests, prefill chunks, and "
              + "recomputation after a preemption (all its chunks).",
          "Sum of num_scheduled_tokens over those requests (the probe reads the SchedulerOutput; recomputation chunks "
              + "after the first are found from vLLM's num_computed_tokens < num_tokens)."),
      col("num_decode_tokens", "tokens", "Tokens of requests decoding (one each, more with speculative drafts).",
          "num_tokens − num_prefill_tokens.",
          "Summed over a session this is less than the output tokens of request_lifecycle.csv: each finished prefill "
              + "(and each finished recomputation after a preemption) samples one output token in a prefill step. "
              + "Output tokens = decode tokens + prefills completed + recomputations completed (demo: 3,967 = "
              + "3,892 + 54 + 21). Before this was fixed, recomputation chunks after the first counted as decode "
              + "(the demo showed 4,005)."),
      col("num_preempted", "requests", "Requests vLLM preempted while scheduling this step.",
          "len(SchedulerOutput.preempted_req_ids).")),
  PREEMPTION_EVENTS("preemption_events.csv", ProbeProfiler.SCHEDULER, "request_event (preempted, resumed)",
      "One row per preemption and per resume of a request.", "Needs ENABLE_PREEMPTION_TRACKING (on by default).",
      Cols.TIMESTAMP,
      col("request_id", "id", "vLLM's request id.", "request_event.request_id.").typed(ColumnType.VARCHAR),
      col("event", "text", "preempted or resumed.", "request_event.event."),
      col("reason", "text", "Why vLLM preempted: kv_cache_full, prefix_cache_reset, …; empty on resumes.",
          "request_event.reason, set by the probe from where the preemption happened."),
      col("running_time_sec", "s", "How long the request had run since it was last scheduled or resumed; 0 on resumes.",
          "Preemption time − the last scheduled/resumed event."),
      col("extra_info", "text", "num_computed_tokens=N on preemptions (tokens lost, to recompute); waited_sec=S on resumes.",
          "request_event.num_computed_tokens; resume time − the preemption before it.")),
  REQUEST_LIFECYCLE("request_lifecycle.csv", ProbeProfiler.SCHEDULER, "request_event (all events)",
      "One row per request, written when it finishes; a request still running when the session ends gets its row "
          + "then, with finished_sec, total_time_sec and finish_reason empty.",
      "Needs ENABLE_PREEMPTION_TRACKING (on by default). Times are seconds since the session started; empty where the "
          + "event did not happen.",
      col("request_id", "id", "vLLM's request id.", "request_event.request_id.").typed(ColumnType.VARCHAR),
      col("started_sec", "s", "When vLLM first scheduled the request.", "The first scheduled event."),
      col("preempted_sec", "s", "When the request was first preempted.", "The first preempted event.",
          "Until this version it was the last preemption's time; see last_preempted_sec and num_preemptions for "
              + "requests preempted several times."),
      col("resumed_sec", "s", "When the request was first resumed (after its first preemption).", "The first resumed event.",
          "Until this version the last resume; see last_resumed_sec."),
      col("finished_sec", "s", "When vLLM freed the request (stop, length, abort, error).", "The finished event."),
      col("total_time_sec", "s", "End-to-end time in the engine: arrival to finish, queue wait included.",
          "finished_sec − arrival_sec (finished_sec − started_sec where the arrival was not seen).",
          "Until this version it was finished_sec − started_sec, leaving out the queue wait; that is now "
              + "scheduled_to_finished_sec. Arrival is when the request reached the EngineCore's scheduler, not the "
              + "HTTP server."),
      col("preemption_delay_sec", "s", "Total time spent preempted, over all preemptions.",
          "Sum of (resume − preemption) over the request's preemptions.",
          "A preemption never resumed (aborted while waiting) adds nothing."),
      col("arrival_sec", "s", "When the request reached the scheduler (Scheduler.add_request).", "The arrived event."),
      col("first_token_sec", "s", "When the request first held an output token (end of the step that sampled it).",
          "The first_token event, from update_from_output."),
      col("num_prompt_tokens", "tokens", "Prompt length.", "request_event.num_prompt_tokens."),
      col("num_output_tokens", "tokens", "Output tokens generated.", "The largest num_output_tokens of the request's events.",
          "Summed over requests this is decode tokens + completed prefills and recomputations (see "
              + "batch_utilization.csv num_decode_tokens)."),
      col("num_preemptions", "count", "Times the request was preempted.", "Number of preempted events."),
      col("finish_reason", "text", "stop, length, abort, error, … (vLLM's own status); empty if not finished.",
          "request_event.reason of the finished event, lower case."),
      col("recomputed_tokens", "tokens", "Tokens vLLM had computed and threw away on preemptions (recomputed on resume).",
          "Sum of num_computed_tokens at each preemption.", "Prefix-cache hits on resume can make the real recomputation smaller."),
      col("queue_wait_sec", "s", "Time from arrival to first scheduling.", "started_sec − arrival_sec."),
      col("scheduled_to_finished_sec", "s", "Time from first scheduling to finish (what total_time_sec was before).",
          "finished_sec − started_sec."),
      col("last_preempted_sec", "s", "When the request was last preempted (= preempted_sec if only once).",
          "The last preempted event."),
      col("last_resumed_sec", "s", "When the request was last resumed (= resumed_sec if only once).", "The last resumed event.")),
  ENCODER_DECODER("encoder_decoder_timing.csv", ProbeProfiler.ENCODER_DECODER, "encoder_decoder",
      "One row per encoder (or cross-attention) call of an encoder-decoder or multimodal model.",
      "Header only for decoder-only models.",
      Cols.TIMESTAMP,
      col("component", "text", "encoder, cross_attention, …", "encoder_decoder.component."),
      col("duration_ms", "ms", "Wall time of the call.", "encoder_decoder.duration_ns."),
      col("context", "text", "What the call processed.", "encoder_decoder.context.")),
  CAPTURE_WINDOWS("capture_windows.csv", ProbeProfiler.SCHEDULER,
      "scheduler_step_v3 (or _v2 / scheduler_step), scheduler_limits, request_event",
      "One row per firing of a triggered-capture rule (step-time p99 spike, KV usage, preemption burst, TTFT spike), "
          + "with the capture window it belongs to; firings whose windows overlap share one capture.",
      "The rules and their defaults: docs/triggered-capture.md; export and collect take --trigger to change them "
          + "(the settings used are in metadata.json capture_rules). Header only when no rule fired. At most "
          + dev.profilemate.aggregate.CaptureRules.MAX_FIRINGS_PER_CAPTURE + " rows per capture (its first firings).",
      col("capture_id", "id", "The capture: its first firing's rule and time, e.g. kv_usage-63.512.",
          "collect keeps that capture's spool segments in captures/<capture_id>/ (docs/triggered-capture.md).")
          .typed(ColumnType.VARCHAR),
      col("rule", "text", "step_time, kv_usage, preemption_burst or ttft.", "The rule that fired."),
      col("fired_sec", "s", "When the rule fired.",
          "The step or event that crossed the threshold; for step_time and ttft the end of the second whose "
              + "window crossed it."),
      col("window_start_sec", "s", "Start of the capture window (merged over its firings).",
          "Earliest firing − before (default 30 s), at least 0."),
      col("window_end_sec", "s", "End of the capture window (merged over its firings).",
          "Latest firing + after (default 30 s); may lie past the session's end."),
      col("value", "unit", "What the rule measured when it fired.",
          "step_time, ttft: p99 over the window (ms); kv_usage: usage (%); preemption_burst: preemptions in the window."),
      col("threshold", "unit", "The level it crossed.",
          "step_time, ttft: factor × the p99 of the baseline before the window (ms); kv_usage: threshold (%); "
              + "preemption_burst: count."),
      col("unit", "text", "Unit of value and threshold: ms, % or preemptions.", "The rule's unit.")),
  LATENCY_PARTS("latency_parts.csv", ProbeProfiler.SCHEDULER,
      "request_event, prefill_chunk, scheduler_step_v3 (or _v2 / scheduler_step), scheduler_limits, cpu_operation "
          + "(output_processing)",
      "One row per request, written when it finishes: its TTFT and its inter-token latency split into parts that add "
          + "up to them (docs/latency.md).",
      "A step lasts from its schedule() start to the next one's (the model's run and update_from_output inside). "
          + "TTFT runs from the scheduler's add_request to the end of the update_from_output that gave the first "
          + "token: the HTTP server's parsing and tokenization before it are not recorded. ITL parts are per output "
          + "token after the first, so they add up to itl_sec; a step in which some running request was left out "
          + "(running_len > num_reqs) is shared out by the request's token count, since the spool does not name who.",
      col("request_id", "id", "vLLM's request id.", "request_event.request_id.").typed(ColumnType.VARCHAR),
      col("arrival_sec", "s", "When the request reached the scheduler.", "The arrived event."),
      col("ttft_sec", "s", "Time to first token in the engine.", "first_token − arrived events; empty when either is missing."),
      col("queue_wait_sec", "s", "Waiting before vLLM first scheduled any of its prompt.",
          "Arrival → the start of the step of its first prefill_chunk."),
      col("prefill_compute_sec", "s", "Its own prefill steps: the steps that computed its prompt tokens.",
          "Sum over its prefill_chunk steps of step start → next step start (the last one → first token), less "
              + "the recomputed share after a preemption."),
      col("between_chunks_sec", "s", "Waiting between its prompt's chunks while other requests' steps ran.",
          "Time after a chunk's step ended and before its next chunk, not preempted."),
      col("preemption_ttft_sec", "s", "Preempted before its first token, and recomputing what was thrown away.",
          "Preempted → resumed, plus each later chunk's share of recomputed tokens (num_computed_tokens at the "
              + "preemption) and any wait while some remained."),
      col("prefill_chunks", "count", "Steps that computed new prompt tokens for it.", "prefill_chunk records before "
          + "the first token, not counting those wholly recomputation."),
      col("api_output_sec", "s", "The API server's output processing (detokenize, send) of the batch with its first "
              + "token, beside TTFT.", "duration of the first output_processing cpu_operation that began after "
              + "first_token.", "Empty without an API server's records (offline LLM, or CPU timing off), or when the "
              + "request finished before that call began."),
      col("num_output_tokens", "tokens", "Output tokens generated.", "The largest num_output_tokens of its events."),
      col("itl_sec", "s", "Mean inter-token latency.", "(finished − first_token) / (num_output_tokens − 1); empty with "
          + "fewer than two tokens or unfinished."),
      col("decode_step_sec", "s", "Per token: its own decode steps.", "Decode time less sat_out, ÷ (num_output_tokens − 1)."),
      col("sat_out_sec", "s", "Per token: steps it sat out while running, other requests' work using the token "
              + "budget.", "Time in steps with running_len > num_reqs, × the share of those steps it did not run in "
              + "(steps − decode tokens it sampled in them), ÷ (num_output_tokens − 1)."),
      col("preemption_itl_sec", "s", "Per token: preempted after its first token, and recomputing.",
          "Preempted → the end of its recomputation, ÷ (num_output_tokens − 1)."),
      col("decode_steps", "count", "Steps it decoded in.", "Output tokens − 1 − finished recomputations (each step "
          + "samples one token; no speculative decoding)."),
      col("sat_out_steps", "count", "Steps it was running but left out of.", "Steps while decoding − decode_steps."),
      col("ttft_dominant", "text", "The largest TTFT part: queue_wait, prefill_compute, between_chunks or preemption.",
          "Largest of the four."),
      col("itl_dominant", "text", "The largest ITL part: decode_step, sat_out or preemption.", "Largest of the three."));

  /** The original tool wrote the MoE files here; its README showed them at the root. Both exist. */
  public static final String MOE_FOLDER = "moe_expert_tracking";

  public final String fileName;
  public final ProbeProfiler profiler;
  /** The spool record types its rows come from (spool-format/SPEC.md). */
  public final String sources;
  public final String rows;
  public final String caveat;
  /** The header, in order: the names of {@link #docs}. */
  public final List<String> columns;
  public final List<Column> docs;

  SessionFile(String fileName, ProbeProfiler profiler, String sources, String rows, String caveat, Column... docs) {
    this.fileName = fileName;
    this.profiler = profiler;
    this.sources = sources;
    this.rows = rows;
    this.caveat = caveat;
    List<Column> all = new java.util.ArrayList<>(List.of(docs));
    if (Cols.RANKED.contains(fileName)) {
      all.addAll(Cols.RANKS); // after the file's own columns: seed columns keep their places
    }
    this.docs = List.copyOf(all);
    this.columns = this.docs.stream().map(Column::name).toList();
  }

  public boolean isMoe() {
    return fileName.startsWith("moe_");
  }

  /** Whether each row ends with its process's rank columns ({@link dev.profilemate.aggregate.Ranks#COLUMNS}). */
  public boolean ranked() {
    return Cols.RANKED.contains(fileName);
  }

  /** Column texts several files share. */
  private static final class Cols {
    /**
     * The files whose rows each come from one record of one process (per step, per layer read-back,
     * per operation): each row ends with that process's node and ranks (issue 25).
     */
    static final java.util.Set<String> RANKED = java.util.Set.of("kv_cache_usage.csv", "batch_utilization.csv",
        "kv_cache_evictions.csv", "preemption_events.csv", "cpu_operations_timing.csv", "forward_pass_timing.csv",
        "cuda_graph_timeline.csv", "moe_load_imbalance.csv", "moe_routing_weights_hist.csv",
        "encoder_decoder_timing.csv",
        // per layer: one process's counts (issue 25); per request: the EngineCore (DP rank) that served it
        "moe_expert_activations.csv", "moe_expert_coselection.csv", "moe_routing_weights_histogram.csv",
        "moe_layers.csv", "request_lifecycle.csv", "latency_parts.csv", "prefix_cache_requests.csv");
    private static final String RANK_HOW = "From the process's parallel_identity record (spool minor 9), written once "
        + "vLLM's parallel state exists (a worker: after initialize_model_parallel, from vllm.distributed.parallel_state's "
        + "groups; an EngineCore: from its ParallelConfig) and applied to every row of the process.";
    static final List<Column> RANKS = List.of(
        col("node", "text", "The node (host) of the process that made the row.",
            "parallel_identity.node, else the spool metadata's host: the host name, or VLLM_PROFILING_NODE where set.",
            "Processes of one node share its monotonic clock; processes of several nodes are aligned through their clock "
                + "anchors (metadata.json clock, docs/multi-gpu.md)."),
        col("dp_rank", "rank", "Data-parallel rank of the process (vLLM's DP group rank; an EngineCore's "
                + "ParallelConfig.data_parallel_rank).", RANK_HOW,
            "Empty where the process recorded no identity (spools before minor 9, an API server, an offline script "
                + "without vLLM's parallel state)."),
        col("pp_rank", "rank", "Pipeline-parallel rank of the process.", RANK_HOW,
            "Empty on the scheduler side: an EngineCore has a DP rank but no PP, TP or EP rank, unless its executor runs "
                + "the worker in-process (one GPU), which then gives its ranks."),
        col("tp_rank", "rank", "Tensor-parallel rank of the process.", RANK_HOW, "Empty as pp_rank."),
        col("ep_rank", "rank", "Expert-parallel rank of the process.", RANK_HOW,
            "Empty also where vLLM made no EP group (a dense model)."));

    static final Column IN_MODEL_TOTAL = col("in_model_total", "True/False",
        "Whether the row's counts are in the model-wide totals (moe_summary.json, the report): sum the rows with True "
            + "to count each token once.",
        "True for every process's counts but those of a TP rank above the lowest of its DP rank (and PP, PCP rank): "
            + "TP ranks route the same tokens. Under sequence-parallel MoE (parallel_identity flag), TP ranks whose "
            + "counts differ each routed their own share: True for all (docs/multi-gpu.md).",
        "Empty for a layer without counts. Where TP ranks that should agree do not (records lost on one), the lowest "
            + "TP rank's counts are taken and metadata.json warns.");
    static final String MOE_CAVEAT = "GPU MoE models only (header alone otherwise). Counts are read back from GPU "
        + "counters every CUDA_EVENT_BATCH_SIZE forward steps and at exit; a layer whose expert kernel routes inside "
        + "itself has no counts (moe_layers.csv says which).";
    static final Column TIMESTAMP = col("timestamp_sec", "s", "When it happened, in seconds since the session started.",
        "(record t_ns − session start) / 1e9; the session starts at the earliest spool's start, all processes on one "
            + "monotonic clock.");
    static final Column TIMESTAMP_FIRST = col("timestamp_sec", "s",
        "When the step's first rank started its forward, in seconds since the session started.",
        "(earliest start − session start) / 1e9.");
    static final Column STEP_TIMESTAMP = col("timestamp_sec", "s",
        "When Scheduler.schedule() began, in seconds since the session started.", "(record t_ns − session start) / 1e9.");
    static final Column LAYER = col("layer_idx", "index", "Decoder layer index.", "From the FusedMoE layer's name.");
    static final Column RUNTIME_MODE = col("runtime_mode", "text", "CUDA graph mode: FULL or PIECEWISE.",
        "vLLM's CUDAGraphMode name of the wrapper.");
    static final Column NUM_TOKENS = col("num_tokens", "tokens", "Padded token count the graph was captured for.",
        "BatchDescriptor.num_tokens.");
    static final Column NUM_REQS = col("num_reqs", "requests", "Request count of the descriptor; None when vLLM left it unset.",
        "BatchDescriptor.num_reqs.");
    static final Column UNIFORM = col("uniform", "True/False", "Whether the batch is uniform-decode (same query length).",
        "BatchDescriptor.uniform (model runner V2: uniform_token_count is set).");
    static final Column HAS_LORA = col("has_lora", "True/False", "Whether the graph was captured with LoRA.",
        "BatchDescriptor.has_lora.");
  }
}
