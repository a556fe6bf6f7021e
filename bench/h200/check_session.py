"""Checks an exported session of a real server (or offline engine) run against what issue 7 asks of it.

Usage: python3 check_session.py SESSION_DIR   (after `profilemate export SESSION_DIR`)
Prints one line per check and exits 1 when one fails. Stdlib only.
"""
import csv
import json
import os
import sys


def rows(session, name):
    path = os.path.join(session, name)
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def load(session, name):
    with open(os.path.join(session, name)) as f:
        return json.load(f)


def main(session):
    failed = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failed.append(what)

    meta = load(session, "metadata.json")
    procs = meta["processes"]
    roles = sorted(p["role"] for p in procs)
    # a server's front end is the api_server; an offline LLM(...) engine's is its main process
    check("engine_core" in roles and ("api_server" in roles or "main" in roles),
          "processes merged: %s (%d records)" % (", ".join("%s/%s" % (p["role"], p["pid"]) for p in procs),
                                                 sum(p["records"] for p in procs)))
    check(all(p["closed_cleanly"] for p in procs), "every spool closed cleanly")

    captures = rows(session, "cuda_graph_captures.csv")
    usage = rows(session, "cuda_graph_usage.csv")
    by_mode = {}
    for r in usage:
        by_mode[r["runtime_mode"]] = by_mode.get(r["runtime_mode"], 0) + int(r["replay_count"])
    cap_modes = {}
    for r in captures:
        cap_modes[r["runtime_mode"]] = cap_modes.get(r["runtime_mode"], 0) + 1
    check(captures and sum(by_mode.values()) > 0,
          "CUDA graphs: captures %s, replays %s" % (cap_modes, by_mode))

    fwd = rows(session, "forward_pass_timing.csv")
    phases = {}
    for r in fwd:
        phases[r["phase"]] = phases.get(r["phase"], 0) + 1
    summary = load(session, "forward_pass_summary.json")["phases"]
    check(all(p in phases for p in ("prefill", "decode", "mixed")),
          "forward timings: %s" % ", ".join("%s %d steps p50 %.3f ms" % (k, v["count"], v["p50_ms"])
                                          for k, v in sorted(summary.items())))

    kv = rows(session, "kv_cache_usage.csv")
    ev = rows(session, "kv_cache_evictions.csv")
    peak = max((float(r["usage_pct"]) for r in kv), default=0.0)
    check(kv and ev, "KV cache: %d usage samples, peak %.1f %%, %d evicted blocks" % (len(kv), peak, len(ev)))

    pre = load(session, "preemption_summary.json")
    # With async scheduling a preempted request can still finish: the step in flight brings its
    # last token. Such a request's last event is "preempted", and it owes no resume.
    last = {}
    for r in rows(session, "preemption_events.csv"):
        last[r["request_id"]] = r["event"]
    ended_preempted = sum(1 for e in last.values() if e == "preempted")
    # a KV cache with room for every request (BLOCKS=4096) preempts nothing: then none is expected
    room = max((float(r["usage_pct"]) for r in rows(session, "kv_cache_usage.csv")), default=100.0) < 100
    check((pre.get("preemptions", 0) > 0 or room) and pre.get("preemptions") == pre.get("resumes", 0) + ended_preempted,
          "preemptions %s = resumes %s + %d requests finished while preempted; finished %s %s"
          % (pre.get("preemptions"), pre.get("resumes"), ended_preempted, pre.get("finished"),
             pre.get("finish_reasons")))

    arch = meta.get("engine", {}).get("model_config", {})
    top_k = arch.get("num_experts_per_tok")
    act = rows(session, "moe_expert_activations.csv")
    if top_k and act:
        per_layer = {}
        for r in act:
            per_layer[int(r["layer_idx"])] = per_layer.get(int(r["layer_idx"]), 0) + int(r["activation_count"])
        tokens = sum(int(r["num_tokens"]) for r in fwd)
        check(len(per_layer) == arch.get("num_hidden_layers") and
              all(v == top_k * tokens for v in per_layer.values()),
              "MoE: per-layer expert assignments %s == top_k %d x %d tokens of %d forward steps"
              % (sorted(per_layer.values()), top_k, tokens, len(fwd)))
        if os.path.exists(os.path.join(session, "moe_layers.csv")):  # spool minor 4 on
            moe_meta = meta.get("moe", {})
            experts = arch.get("num_local_experts") or arch.get("num_experts")
            check(moe_meta.get("n_routed_experts") == experts and moe_meta.get("top_k") == top_k
                  and moe_meta.get("moe_layers") == sorted(per_layer),
                  "MoE metadata: %s routed experts, %s shared, top_k %s, MoE layers %s, dense %s"
                  % (moe_meta.get("n_routed_experts"), moe_meta.get("n_shared_experts"), moe_meta.get("top_k"),
                     moe_meta.get("moe_layers"), moe_meta.get("dense_layers")))
            lay = {int(r["layer_idx"]): r for r in rows(session, "moe_layers.csv") if r["kind"] == "moe"}
            check(all(int(lay[l]["tokens"]) == tokens and int(lay[l]["routed_tokens"]) == top_k * tokens
                      for l in per_layer),
                  "MoE: tokens counted on the device per layer %s == %d forward-pass tokens"
                  % (sorted({int(r["tokens"]) for r in lay.values()}), tokens))
            pairs, hist = {}, {}
            for r in rows(session, "moe_expert_coselection.csv"):
                pairs[int(r["layer_idx"])] = pairs.get(int(r["layer_idx"]), 0) + int(r["coselection_count"])
            for r in rows(session, "moe_routing_weights_histogram.csv"):
                hist[int(r["layer_idx"])] = hist.get(int(r["layer_idx"]), 0) + int(r["count"])
            want_pairs = tokens * top_k * (top_k - 1) // 2
            check(all(pairs.get(l) == want_pairs and hist.get(l) == top_k * tokens for l in per_layer),
                  "MoE: co-selection pairs per layer %s == %d x C(%d, 2); weight-histogram cells %s == top_k x tokens"
                  % (sorted(set(pairs.values())), tokens, top_k, sorted(set(hist.values()))))
        dists = {tuple(int(r["activation_count"]) for r in act if int(r["layer_idx"]) == layer) for layer in per_layer}
        print("info  MoE: %d distinct per-layer expert distributions" % len(dists))
        rate = meta.get("moe_routing_weights_sampling")
        if rate and rate.get("tokens_per_layer"):  # probes from session 9 on sample routing weights
            ws = rows(session, "moe_routing_weights_hist.csv")
            layers = {int(r["layer_idx"]) for r in ws}
            weights = [float(r["weight"]) for r in ws]
            # weights >= 0; above 1 only where the router scales them (routed_scaling_factor)
            check(layers == set(per_layer) and all(w >= 0.0 for w in weights) and
                  all(int(r["token_idx"]) >= 0 and 0 <= int(r["expert_id"]) < arch.get("num_local_experts", 1 << 30)
                      for r in ws),
                  "MoE routing weight samples: %d rows in %d layers, mean weight %.4f (%s tokens per layer every %s steps)"
                  % (len(ws), len(layers), sum(weights) / max(1, len(weights)), rate.get("tokens_per_layer"),
                     rate.get("every_forward_steps")))
    elif top_k:
        check(False, "MoE model but no expert counts")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
