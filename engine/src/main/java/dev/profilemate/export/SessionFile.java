package dev.profilemate.export;

import java.util.List;

/**
 * Every CSV of SPEC.md §2 with its exact header. Seed columns come first and never change;
 * columns after them are ProfileMate's additions.
 */
public enum SessionFile {
  CUDA_GRAPH_CAPTURES("cuda_graph_captures.csv",
      "runtime_mode,num_tokens,num_reqs,uniform,has_lora,capture_time_sec"),
  CUDA_GRAPH_USAGE("cuda_graph_usage.csv",
      "runtime_mode,num_tokens,num_reqs,uniform,has_lora,replay_count"),
  CUDA_GRAPH_TIMELINE("cuda_graph_timeline.csv",
      "timestamp_sec,descriptor,duration_ms,runtime_mode,num_tokens,num_reqs,uniform,has_lora"),
  KV_CACHE_USAGE("kv_cache_usage.csv", "timestamp_sec,usage_pct,num_blocks,total_blocks"),
  KV_CACHE_EVICTIONS("kv_cache_evictions.csv", "timestamp_sec,lifetime_sec,idle_sec,block_id"),
  MOE_ACTIVATIONS("moe_expert_activations.csv", "layer_idx,expert_id,activation_count,percentage"),
  MOE_COSELECTION("moe_expert_coselection.csv", "layer_idx,expert_id_1,expert_id_2,coselection_count"),
  MOE_WEIGHTS("moe_routing_weights_hist.csv", "layer_idx,token_idx,expert_id,weight"),
  MOE_IMBALANCE("moe_load_imbalance.csv", "layer_idx,timestamp_sec,std_dev,max_min_ratio"),
  MOE_WEIGHT_HISTOGRAM("moe_routing_weights_histogram.csv", "layer_idx,expert_id,weight_lo,weight_hi,count"),
  MOE_LAYERS("moe_layers.csv",
      "layer_idx,kind,routed_experts,shared_experts,top_k,num_expert_group,topk_group,tokens,routed_tokens,"
          + "shared_expert_tokens,counts"),
  FORWARD_PASS("forward_pass_timing.csv",
      "timestamp_sec,phase,batch_size,num_tokens,forward_time_ms,throughput_tokens_per_sec"),
  CPU_OPERATIONS("cpu_operations_timing.csv", "timestamp_sec,operation,duration_ms,context"),
  BATCH_UTILIZATION("batch_utilization.csv",
      "timestamp_sec,num_seqs,max_num_seqs,seq_utilization_pct,num_tokens,max_tokens,token_utilization_pct,"
          + "phase,running_queue_len,waiting_queue_len,step,num_prefill_tokens,num_decode_tokens,num_preempted"),
  PREEMPTION_EVENTS("preemption_events.csv",
      "timestamp_sec,request_id,event,reason,running_time_sec,extra_info"),
  REQUEST_LIFECYCLE("request_lifecycle.csv",
      "request_id,started_sec,preempted_sec,resumed_sec,finished_sec,total_time_sec,preemption_delay_sec,"
          + "arrival_sec,first_token_sec,num_prompt_tokens,num_output_tokens,num_preemptions,finish_reason,"
          + "recomputed_tokens,queue_wait_sec"),
  ENCODER_DECODER("encoder_decoder_timing.csv", "timestamp_sec,component,duration_ms,context");

  /** The original tool wrote the MoE files here; its README showed them at the root. Both exist. */
  public static final String MOE_FOLDER = "moe_expert_tracking";

  public final String fileName;
  public final List<String> columns;

  SessionFile(String fileName, String header) {
    this.fileName = fileName;
    this.columns = List.of(header.split(","));
  }

  public boolean isMoe() {
    return fileName.startsWith("moe_");
  }
}
