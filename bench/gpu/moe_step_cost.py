#!/usr/bin/env python3
"""MoE expert counting at one launch per forward step vs one launch per layer, on a GPU (issue 26).

Part 1, exactness: a stack of MoE layers (transformers' MixtralSparseMoeBlock, as
validate_h200.py builds it) whose routing the counter records through a forward hook on the
router, as the probe's hook on vLLM's router does. Per-step counter, per-layer counter and an
eager CPU recount (torch.bincount) of the routing that flowed (copied out inside the graph) must
be EQUAL in:
  eager            no graph
  cuda_graph       the whole step captured (vLLM's FULL graphs), replayed with new inputs
  compiled_graph   torch.compile (inductor) of a model whose MoE layers are an opaque custom op
                   (as vLLM's moe_forward), captured and replayed
  short_step       a captured step that never reaches the last MoE layer: counted by the launch the
                   probe's hook on torch's CUDAGraph.capture_end adds (targets/moe.py)
  padded           num_valid_tokens masks padding rows, changed between replays
Part 3 (also alone, --kernel-only): the counting's own GPU time per step, a graph of 50 steps of
16 layers' record() on static routing, replayed: no model around it, so no model noise.
Part 2, cost: mixtral-2b shapes (16 layers, hidden 2048, 8 experts, top-2), decode batches of
16 and 64 tokens, one CUDA graph per arm (off, per-layer, per-step, and a second off graph: the
A/A control), replayed in rotating order; per-step cost = arm - off in microseconds (median).

Usage: python3 bench/gpu/moe_step_cost.py [--reps 200] [--out FILE]    (prints one JSON object)
"""
import argparse
import json
import os
import statistics
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "probe"))

import torch  # noqa: E402

import validate_h200 as vh  # noqa: E402  (the MoE block, router hook, graph capture and timing it validated)
from profilemate_probe.gpu.moe_counter import ExpertCounter  # noqa: E402

E, K, B = 8, 2, 20


class Hook:
    """Forward hook on block.gate: records into every counter given; optionally copies the
    routing into static buffers (inside a graph too) for the independent recount."""

    def __init__(self, counters, L, T, dev, copy=True, nvalid=None):
        self.counters = counters
        self.layer = 0
        self.nvalid = nvalid
        self.ids = [torch.zeros(T, K, dtype=torch.int64, device=dev) for _ in range(L)] if copy else None
        self.w = [torch.zeros(T, K, dtype=torch.float32, device=dev) for _ in range(L)] if copy else None

    def __call__(self, module, inputs, output):
        ids, w = vh.router_outputs(output)
        for c in self.counters:
            c.record(self.layer, ids, w, self.nvalid)
        if self.ids is not None:
            self.ids[self.layer][:ids.shape[0]].copy_(ids)
            self.w[self.layer][:w.shape[0]].copy_(w)


def drive(go, hook, x, counters, steps, gen, n_layers, rows=None, nvalid=None):
    """Runs `steps` steps (go()) on fresh inputs, padding rows masked from `rows` when given; returns
    the counters' launches before and the routing that flowed, (layer, ids, weights) per layer."""
    for c in counters:
        c.reset()
    before = tuple(c.launches for c in counters)
    T = x.shape[1]
    log = []
    for s in range(steps):
        x.copy_(torch.randn(x.shape, device=x.device, dtype=x.dtype, generator=gen) * 0.1)
        n = T if rows is None else rows[s % len(rows)]
        if nvalid is not None:
            nvalid.fill_(n)
        go()
        log += [(layer, hook.ids[layer][:n].cpu().clone(), hook.w[layer][:n].cpu().clone()) for layer in range(n_layers)]
    if x.device.type == "cuda":
        torch.cuda.synchronize()
    return before, log


def recount(log, L):
    """torch.bincount on the CPU of (layer, ids, w) rows: counts, co-selection, weight histogram."""
    return vh.ref_stats(L, E, K, B, log)


def same(snap, other):
    return (torch.equal(snap.counts, other.counts) and torch.equal(snap.coselection, other.coselection)
            and torch.equal(snap.weight_hist, other.weight_hist) and torch.equal(snap.calls, other.calls)
            and torch.equal(snap.tokens(), other.tokens()))


def verdict(name, step, layer, ref, L, launches, replays):
    a, b = step.read_and_reset(), layer.read_and_reset()
    cmp = vh.compare(a, ref)
    return {"mode": name, "per_step_equals_per_layer": same(a, b), "per_step_equals_cpu_recount": vh.all_equal(cmp),
            "tokens_routed": cmp["tokens_routed"], "per_step_launches": step.launches - launches[0],
            "per_layer_launches": layer.launches - launches[1], "steps": replays, "layers": L,
            "per_step_info": {k: v for k, v in step.info().items() if k in ("per_step", "per_step_error", "fast_launch",
                                                                          "fast_launch_error", "backend")}}


def exactness(dev, quick):
    """The modes above; on the CPU (--dry-run, under TRITON_INTERPRET=1) eager and compiled only."""
    cuda = dev.type == "cuda"
    L, T, hidden, inter = (6, 48, 1024, 2048) if cuda else (4, 12, 64, 128)
    steps = 6 if quick or not cuda else 12
    dtype = torch.bfloat16 if cuda else torch.float32
    block, desc = vh.make_moe_block(dev, dtype, hidden, inter, E, K, impl="grouped_mm" if cuda else "batched_mm")
    out = {"block": desc, "layers": L, "tokens": T, "modes": []}
    gen = torch.Generator(device=dev).manual_seed(3)

    def counters():
        return (ExpertCounter(L, E, K, dev, weight_bins=B, backend="triton"),
                ExpertCounter(L, E, K, dev, weight_bins=B, backend="triton", per_step=False))

    def stack_of(hook, n_layers):
        def stack(x):
            for layer in range(n_layers):
                hook.layer = layer
                x = x + block(x)
            return x
        return stack

    def run(name, make, n_layers=L, nvalid=None, rows=None, on_counter=None):
        step_c, layer_c = counters()
        if on_counter is not None:
            on_counter(step_c)
        hook = Hook([step_c, layer_c], L, T, dev, nvalid=nvalid)
        handle = block.gate.register_forward_hook(hook)
        try:
            x = torch.zeros(1, T, hidden, device=dev, dtype=dtype)
            go = make(stack_of(hook, n_layers), x)
            before, log = drive(go, hook, x, (step_c, layer_c), steps, gen, n_layers, rows, nvalid)
            res = verdict(name, step_c, layer_c, recount(log, L), n_layers, before, steps)
        except Exception as exc:
            res = {"mode": name, "error": "%s: %s" % (type(exc).__name__, exc), "trace": traceback.format_exc()[-2000:]}
        finally:
            handle.remove()
        out["modes"].append(res)

    def graphed(stack, x):
        g, _ = vh.capture_graph(stack, x, dev)
        return g.replay

    with torch.no_grad():
        run("eager", lambda stack, x: (lambda: stack(x)))
        if cuda:
            exact_graphs(run, graphed, L, dev, out)
        exact_compiled(block, counters, L, T, hidden, dtype, steps, gen, dev, out)
    out["all_exact"] = all(m.get("per_step_equals_per_layer") and m.get("per_step_equals_cpu_recount")
                           for m in out["modes"])
    return out


def exact_graphs(run, graphed, L, dev, out):
    run("cuda_graph", graphed)
    nv = torch.zeros(1, dtype=torch.int32, device=dev)
    run("padded", graphed, nvalid=nv, rows=[48, 5, 0, 31, 1, 17])
    # the step's last MoE layer never runs: the capture_end hook of targets/moe.py launches it
    from profilemate_probe.patching import Profiler, unwrap, wrap
    from profilemate_probe.targets import moe as moe_target
    edges = [t for t in moe_target.TARGETS if t.module == "torch.cuda.graphs"]
    prof = Profiler("moe", lambda *a: None, lambda *a: None)
    for t in edges:
        wrap(t, prof)
    try:
        # the hook flushes the counter in the target's state: this run's per-step counter
        run("short_step_capture_edge_hook", graphed, n_layers=L - 1,
            on_counter=lambda c: moe_target._state.__setitem__("counter", c))
    finally:
        for t in edges:
            unwrap(t)
        moe_target._state["counter"] = None



def exact_compiled(block, counters, L, T, hidden, dtype, steps, gen, dev, out):
    """torch.compile (inductor) of a model whose MoE layer is an opaque custom op, as vLLM's
    moe_forward: the router's hook runs eagerly inside it; on CUDA the compiled model is captured."""
    cuda = dev.type == "cuda"
    # torch.compile of a model whose MoE layer is an opaque custom op, as vLLM's moe_forward
    registry = {}

    @torch.library.custom_op("pmbench::moe_layer", mutates_args=())
    def moe_layer(x: torch.Tensor, layer: int) -> torch.Tensor:
        registry["hook"].layer = layer
        return block(x)

    @moe_layer.register_fake
    def _(x, layer):
        return torch.empty_like(x)

    step_c, layer_c = counters()
    hook = Hook([step_c, layer_c], L, T, dev)
    registry["hook"] = hook
    handle = block.gate.register_forward_hook(hook)
    try:
        def model(x):
            for layer in range(L):
                x = x + torch.ops.pmbench.moe_layer(x * 1.0, layer)
            return x
        compiled = torch.compile(model, backend="inductor", dynamic=False)
        x = torch.zeros(1, T, hidden, device=dev, dtype=dtype)
        if cuda:
            g, _ = vh.capture_graph(compiled, x, dev)
            go = g.replay
        else:
            compiled(x)
            go = lambda: compiled(x)  # noqa: E731
        before, log = drive(go, hook, x, (step_c, layer_c), steps, gen, L)
        out["modes"].append(verdict("compiled_graph_opaque_op" if cuda else "compiled_opaque_op", step_c, layer_c, recount(log, L), L, before, steps))
    except Exception as exc:
        out["modes"].append({"mode": "compiled_opaque_op", "error": "%s: %s" % (type(exc).__name__, exc),
                             "trace": traceback.format_exc()[-2000:]})
    finally:
        handle.remove()


def cost(dev, T, reps, inner=5):
    """mixtral-2b shapes: per-step cost of counting, per layer vs per step, in CUDA graph replays."""
    L, hidden, inter = 16, 2048, 2048
    dtype = torch.bfloat16
    block, desc = vh.make_moe_block(dev, dtype, hidden, inter, E, K, impl="grouped_mm", meta_init=True)
    per_layer = ExpertCounter(L, E, K, dev, weight_bins=B, per_step=False)
    per_step = ExpertCounter(L, E, K, dev, weight_bins=B)
    nvalid = torch.full((1,), T, dtype=torch.int32, device=dev)
    hook = Hook([], L, T, dev, copy=False, nvalid=nvalid)
    handle = block.gate.register_forward_hook(hook)

    def stack(x):
        for layer in range(L):
            hook.layer = layer
            x = x + block(x)
        return x
    x = torch.randn(1, T, hidden, device=dev, dtype=dtype) * 0.1
    arms = {"off_a": [], "per_layer": [per_layer], "per_step": [per_step], "off_b": []}
    graphs = {}
    with torch.no_grad():
        for name, cs in arms.items():
            hook.counters = cs
            graphs[name], _ = vh.capture_graph(stack, x, dev)
        hook.counters = []
        for _ in range(5):
            for g in graphs.values():
                g.replay()
        torch.cuda.synchronize()
        names = list(graphs)
        samples = vh.time_rotating([graphs[n].replay for n in names], reps, inner, dev)
    handle.remove()
    med = {n: statistics.median(s) for n, s in zip(names, samples)}
    off = statistics.median(samples[0] + samples[3])
    us = lambda ms: round(ms * 1000.0, 2)  # noqa: E731
    return {"config": "mixtral-2b shapes (16 layers, hidden 2048, inter 2048, 8 experts, top-2), %d tokens" % T,
            "block": desc, "reps": reps, "inner": inner,
            "step_us": {n: us(m) for n, m in med.items()},
            "per_layer_cost_us_per_step": us(med["per_layer"] - off),
            "per_step_cost_us_per_step": us(med["per_step"] - off),
            "per_layer_ratio": round(med["per_layer"] / off, 5), "per_step_ratio": round(med["per_step"] / off, 5),
            "a_a_off_b_over_off_a": round(med["off_b"] / med["off_a"], 5),
            # host launches while the arms were warmed up and captured (3 forward passes each)
            "launches_at_capture": {"per_layer": per_layer.launches, "per_step": per_step.launches},
            "per_step_info": {k: v for k, v in per_step.info().items() if k in ("per_step", "per_step_error",
                                                                                "fast_launch", "fast_launch_error")}}


def kernel_only(dev, T, L=16, inner=50, replays=30):
    """GPU time of the counting alone, per forward step: a graph of `inner` steps of L layers' record()
    (static routing, mixtral-2b's 16 layers, 8 experts, top-2), replayed; us per step, median."""
    gen = torch.Generator(device=dev).manual_seed(4)
    routing = []
    for _ in range(L):
        w, ids = torch.softmax(torch.randn(T, E, device=dev, generator=gen), -1).topk(K)
        routing.append((ids.to(torch.int32), w))
    nvalid = torch.full((1,), T, dtype=torch.int32, device=dev)
    out = {"tokens": T, "layers": L, "steps_per_graph": inner, "replays": replays}
    for name, per_step in (("per_layer", False), ("per_step", True)):
        c = ExpertCounter(L, E, K, dev, weight_bins=B, per_step=per_step)

        def steps(n):
            for _ in range(n):
                for layer, (ids, w) in enumerate(routing):
                    c.record(layer, ids, w, nvalid)
        steps(2)
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            steps(inner)
        g.replay()
        torch.cuda.synchronize()
        times = []
        for _ in range(replays):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            g.replay()
            e.record()
            e.synchronize()
            times.append(s.elapsed_time(e) * 1000.0 / inner)
        out[name + "_us_per_step"] = round(statistics.median(times), 3)
        out[name + "_spread_us"] = [round(min(times), 3), round(max(times), 3)]
        out[name + "_launches"] = c.launches
        snap = c.read_and_reset()
        out[name + "_routed_per_layer"] = sorted(set(snap.counts.sum(dim=1).tolist()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--dry-run", action="store_true", help="CPU, exactness only (set TRITON_INTERPRET=1)")
    ap.add_argument("--kernel-only", action="store_true", help="only the counting's own GPU time per step")
    args = ap.parse_args()
    if args.dry_run:
        res = {"dry_run": exactness(torch.device("cpu"), True)}
        print(json.dumps(res, indent=1))
        return 0 if res["dry_run"].get("all_exact") else 1
    if not torch.cuda.is_available():
        print(json.dumps({"skipped": "no CUDA"}))
        return 0
    dev = torch.device("cuda", torch.cuda.current_device())
    t0 = time.time()
    res = {"command": " ".join(["python3", os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:]),
           "gpu": torch.cuda.get_device_name(dev), "torch": torch.__version__}
    try:
        import triton
        res["triton"] = triton.__version__
    except Exception as exc:
        res["triton"] = "missing: %s" % exc
    if args.kernel_only:
        res["kernel_only"] = [kernel_only(dev, T) for T in (16, 64, 256)]
        text = json.dumps(res, indent=1)
        print(text)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text + "\n")
        return 0
    try:
        res["exactness"] = exactness(dev, args.quick)
    except Exception as exc:
        res["exactness"] = {"error": "%s: %s" % (type(exc).__name__, exc), "trace": traceback.format_exc()[-3000:]}
    res["cost"] = []
    for T in (16, 64):
        try:
            res["cost"].append(cost(dev, T, args.reps))
        except Exception as exc:
            res["cost"].append({"tokens": T, "error": "%s: %s" % (type(exc).__name__, exc),
                                "trace": traceback.format_exc()[-3000:]})
    res["kernel_only"] = []
    for T in (16, 64, 256):
        try:
            res["kernel_only"].append(kernel_only(dev, T))
        except Exception as exc:
            res["kernel_only"].append({"tokens": T, "error": "%s: %s" % (type(exc).__name__, exc),
                                       "trace": traceback.format_exc()[-3000:]})
    res["wall_s"] = round(time.time() - t0, 1)
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0 if res["exactness"].get("all_exact") else 1


if __name__ == "__main__":
    sys.exit(main())
