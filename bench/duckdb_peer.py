"""The peer of bench/export_scale.sh: DuckDB computes the export's aggregates from the same rows,
the per-step CSVs the export wrote (batch fill, KV usage, eviction lifetimes, CPU time and forward
time per phase with percentiles, request counts, MoE imbalance). Prints one line: seconds, rows."""
import sys
import time

import duckdb

d = sys.argv[1]
t0 = time.perf_counter()
con = duckdb.connect()
q = {
    "batch": "select count(*), avg(seq_utilization_pct) filter (where phase <> 'idle'), "
             "avg(token_utilization_pct) filter (where phase <> 'idle'), sum(num_tokens), sum(num_prefill_tokens), "
             "sum(num_decode_tokens), max(waiting_queue_len), count(*) filter (where phase = 'decode') "
             "from read_csv('%s/batch_utilization.csv')",
    "kv": "select count(*), avg(usage_pct), max(usage_pct), count(*) filter (where usage_pct > 90) "
          "from read_csv('%s/kv_cache_usage.csv')",
    "evictions": "select count(*), quantile_disc(lifetime_sec, [0.5, 0.95, 0.99]), max(lifetime_sec), "
                 "quantile_disc(idle_sec, [0.5, 0.95, 0.99]) from read_csv('%s/kv_cache_evictions.csv')",
    "cpu": "select operation, count(*), sum(duration_ms), avg(duration_ms), quantile_disc(duration_ms, [0.5, 0.95, 0.99]), "
           "max(duration_ms) from read_csv('%s/cpu_operations_timing.csv') group by operation",
    "forward": "select phase, count(*), sum(forward_time_ms), quantile_disc(forward_time_ms, [0.5, 0.95, 0.99]) "
               "from read_csv('%s/forward_pass_timing.csv') group by phase",
    "graphs": "select runtime_mode, num_tokens, count(*) from read_csv('%s/cuda_graph_timeline.csv') group by all",
    "requests": "select count(*), count(finished_sec), sum(num_output_tokens), sum(num_preemptions) "
                "from read_csv('%s/request_lifecycle.csv')",
    "moe": "select layer_idx, count(*), avg(max_min_ratio) from read_csv('%s/moe_load_imbalance.csv') group by all",
    "weights": "select layer_idx, count(*), avg(weight) from read_csv('%s/moe_routing_weights_hist.csv') group by all",
}
rows = 0
for name, sql in q.items():
    con.execute(sql % d).fetchall()
rows = sum(con.execute("select count(*) from read_csv('%s/%s')" % (d, f)).fetchone()[0] for f in (
    "batch_utilization.csv", "kv_cache_usage.csv", "kv_cache_evictions.csv", "cpu_operations_timing.csv",
    "forward_pass_timing.csv", "cuda_graph_timeline.csv", "request_lifecycle.csv", "moe_load_imbalance.csv",
    "moe_routing_weights_hist.csv"))
print("%.2f %d" % (time.perf_counter() - t0, rows))
