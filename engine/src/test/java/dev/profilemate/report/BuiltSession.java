package dev.profilemate.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.profilemate.common.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A small session folder written row by row, so a test knows the right answer by construction:
 * the scheduler steps, requests, preemptions and KV samples it adds, with the export's column
 * names (files left empty get their header only, as the exporter writes them).
 */
final class BuiltSession {
  private final ObjectNode meta = Json.mapper().createObjectNode();
  private final StringBuilder steps = new StringBuilder("timestamp_sec,num_seqs,max_num_seqs,seq_utilization_pct,"
      + "num_tokens,max_tokens,token_utilization_pct,phase,running_queue_len,waiting_queue_len,step,"
      + "num_prefill_tokens,num_decode_tokens,num_preempted\n");
  private final StringBuilder requests = new StringBuilder("request_id,started_sec,preempted_sec,resumed_sec,"
      + "finished_sec,total_time_sec,preemption_delay_sec,arrival_sec,first_token_sec,num_prompt_tokens,"
      + "num_output_tokens,num_preemptions,finish_reason,recomputed_tokens,queue_wait_sec\n");
  private final StringBuilder preemptions =
      new StringBuilder("timestamp_sec,request_id,event,reason,running_time_sec,extra_info\n");
  private final StringBuilder kv = new StringBuilder("timestamp_sec,usage_pct,num_blocks,total_blocks\n");
  private final StringBuilder cpu = new StringBuilder("timestamp_sec,operation,duration_ms,context\n");
  private int stepNo;

  BuiltSession() {
    ObjectNode session = meta.putObject("session");
    session.put("name", "session_built").put("start_time", "2026-12-05T17:10:21.825742402Z")
        .put("duration_sec", 10.0);
    meta.putObject("engine").put("model", "built-model");
    meta.putArray("profilers_enabled").add("ENABLE_KV_CACHE_TRACKING").add("ENABLE_BATCH_UTILIZATION_TRACKING")
        .add("ENABLE_PREEMPTION_TRACKING").add("ENABLE_CPU_TIMING").add("ENABLE_FORWARD_PASS_TIMING")
        .add("ENABLE_CUDA_GRAPH_TRACKING");
    meta.putArray("warnings");
  }

  ObjectNode metadata() {
    return meta;
  }

  ObjectNode engine() {
    return (ObjectNode) meta.get("engine");
  }

  /** One scheduler step; utilisation columns are computed as the exporter does. */
  BuiltSession step(double t, int seqs, int maxSeqs, int tokens, int maxTokens, int prefillTokens, int waiting) {
    String phase = tokens == 0 ? "idle" : prefillTokens == 0 ? "decode" : prefillTokens == tokens ? "prefill" : "mixed";
    steps.append(String.format(Locale.ROOT, "%.6f,%d,%d,%.2f,%d,%d,%.2f,%s,%d,%d,%d,%d,%d,0%n", t, seqs, maxSeqs,
        100.0 * seqs / maxSeqs, tokens, maxTokens, 100.0 * tokens / maxTokens, phase, seqs, waiting, stepNo++,
        prefillTokens, tokens - prefillTokens));
    return this;
  }

  /** One request; NaN leaves a time empty. Queue wait and total time as the export writes them today. */
  BuiltSession request(String id, double arrival, double started, double firstToken, double finished, long prompt,
      long output, int preempted, double preemptedAt, double resumedAt, double preemptionDelay, long recomputed) {
    requests.append(String.join(",", id, f(started), f(preemptedAt), f(resumedAt), f(finished),
        f(finished - started), f(preemptionDelay), f(arrival), f(firstToken), String.valueOf(prompt),
        String.valueOf(output), String.valueOf(preempted), "length", String.valueOf(recomputed),
        f(started - arrival))).append('\n');
    return this;
  }

  BuiltSession request(String id, double arrival, double started, double firstToken, double finished, long prompt,
      long output) {
    return request(id, arrival, started, firstToken, finished, prompt, output, 0, Double.NaN, Double.NaN, 0, 0);
  }

  BuiltSession preemption(double t, String id, String event) {
    preemptions.append(f(t)).append(',').append(id).append(',').append(event).append(',')
        .append(event.equals("preempted") ? "kv_cache_full" : "").append(",0.000000,\n");
    return this;
  }

  BuiltSession kv(double t, double pct) {
    kv.append(String.format(Locale.ROOT, "%.6f,%.2f,%d,100%n", t, pct, Math.round(pct)));
    return this;
  }

  BuiltSession cpu(double t, String operation, double ms) {
    cpu.append(String.format(Locale.ROOT, "%.6f,%s,%.3f,%n", t, operation, ms));
    return this;
  }

  Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("batch_utilization.csv"), steps);
    Files.writeString(dir.resolve("request_lifecycle.csv"), requests);
    Files.writeString(dir.resolve("preemption_events.csv"), preemptions);
    Files.writeString(dir.resolve("kv_cache_usage.csv"), kv);
    Files.writeString(dir.resolve("cpu_operations_timing.csv"), cpu);
    Files.writeString(dir.resolve("forward_pass_timing.csv"),
        "timestamp_sec,phase,batch_size,num_tokens,forward_time_ms,throughput_tokens_per_sec\n");
    Files.writeString(dir.resolve("cuda_graph_usage.csv"), "runtime_mode,num_tokens,num_reqs,uniform,has_lora,replay_count\n");
    Files.writeString(dir.resolve("cuda_graph_captures.csv"),
        "runtime_mode,num_tokens,num_reqs,uniform,has_lora,capture_time_sec\n");
    try (OutputStream out = Files.newOutputStream(dir.resolve("metadata.json"))) {
      Json.write(out, meta);
    }
    return dir;
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
  }
}
