#!/usr/bin/env python3
"""Per-hook CPU cost of the probe's GPU-side components, ns per call (host side only).

Runs anywhere: on a CPU-only machine it measures StepTimer in host-clock mode (and the CUDA-event
logic with stand-in events, i.e. the pure-Python part of the hot path), ExpertCounter.record on
the CPU (the torch fallback: several ops, so an upper bound for the Python side) and the
dispatch-only cost of record() (argument checks up to the launch), and the CUDA-graph hook's
classify+count. With CUDA it adds StepTimer with real events and record() with the fused
triton launch (fast launcher and plain JIT launch).

Usage: python3 bench/gpu/hook_cost.py [--n 20000] [--rounds 5] [--json FILE]
Prints a table and one JSON line; each figure is the median over rounds.
"""
import argparse
import dataclasses
import enum
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "probe"))

from profilemate_probe.gpu import graph_counter as gcm  # noqa: E402
from profilemate_probe.gpu.event_timer import StepTimer  # noqa: E402


def per_call(fn, n, rounds, setup=None, after=None):
    vals = []
    for _ in range(rounds):
        if setup:
            setup()
        t0 = time.perf_counter_ns()
        fn(n)
        t1 = time.perf_counter_ns()
        if after:
            after()
        vals.append((t1 - t0) / n)
    return round(statistics.median(vals), 1)


def moe_record_cpu(L, E, K, T, calls, rounds, router=False):
    """ns per ExpertCounter.record() call on the CPU (the torch fallback) for T tokens routed to the
    top K of E experts, cycling over L layers; with router=True also the ns per layer of a softmax +
    top-k over the same logits (the router's own CPU work, for scale): (record ns, router ns)."""
    import torch
    from profilemate_probe.gpu.moe_counter import ExpertCounter
    c = ExpertCounter(L, E, K, "cpu", weight_bins=20)
    logits = torch.randn(T, E)
    wts, ids = torch.softmax(logits, -1).topk(K)
    ids = ids.to(torch.int32)

    def rec_loop(k):
        r = c.record
        for i in range(k):
            r(i % L, ids, wts)
    rec = per_call(rec_loop, calls, rounds)
    if not router:
        return rec

    def route_loop(k):
        softmax = torch.softmax
        for _ in range(k):
            softmax(logits, -1).topk(K)
    return rec, per_call(route_loop, calls, rounds)


class _Ev:
    """Stand-in event that is always complete (isolates StepTimer's own Python cost)."""
    __slots__ = ()

    def __init__(self, enable_timing=True):
        pass

    def record(self, stream=None):
        pass

    def query(self):
        return True

    def synchronize(self):
        pass

    def elapsed_time(self, other):
        return 1.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    n, rounds = args.n, args.rounds
    out = {"python": sys.version.split()[0]}

    # StepTimer, host clock
    t = StepTimer(lambda *a: None, use_cuda_events=False)

    def host_loop(k):
        b, e = t.begin, t.end
        for i in range(k):
            b(i)
            e()
    out["step_timer_begin_end_host_clock_ns"] = per_call(host_loop, n, rounds)

    # StepTimer, event logic with stand-in events (batch read-back every 100)
    te = StepTimer(lambda *a: None, batch_size=100, event_factory=_Ev)

    def ev_loop(k):
        b, e = te.begin, te.end
        for i in range(k):
            b(i)
            e()
    out["step_timer_begin_end_event_logic_ns"] = per_call(ev_loop, n, rounds)

    # CUDA-graph hook bookkeeping
    class Mode(enum.Enum):
        NONE = 0
        PIECEWISE = 1
        FULL = 2

    @dataclasses.dataclass(frozen=True)
    class BatchDescriptor:
        num_tokens: int
        num_reqs: object = None
        uniform: bool = False
        has_lora: bool = False
        num_active_loras: int = 0

    class Entry:
        cudagraph = object()

    class Opts:
        debug_log_enable = True

    class W:
        runtime_mode = Mode.FULL
        cudagraph_options = Opts()

    bd = BatchDescriptor(8, 8, True)
    w = W()
    w.concrete_cudagraph_entries = {bd: Entry()}
    gc = gcm.GraphUseCounter()

    def graph_loop(k):
        classify, counts, key, on_call = gcm.classify_call, gcm.counts_steps, gcm.descriptor_key, gc.on_call
        for i in range(k):
            kind = classify(w, Mode.FULL, bd)
            if counts(w):
                on_call(kind, "FULL", key(bd), 0)
    out["graph_hook_classify_and_count_ns"] = per_call(graph_loop, n, rounds)

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        from profilemate_probe.gpu.moe_counter import ExpertCounter
        out["torch"] = torch.__version__
        for label, L, E, K, T in (("mixtral_8e_top2_T64", 32, 8, 2, 64), ("qwen3_128e_top8_T64", 48, 128, 8, 64)):
            out["record_cpu_torch_fallback_%s_ns" % label] = moe_record_cpu(L, E, K, T, max(200, n // 50), rounds)
            logits = torch.randn(T, E)
            wts, ids = torch.softmax(logits, -1).topk(K)
            ids = ids.to(torch.int32)

            # dispatch only: everything record() does before the launch
            c2 = ExpertCounter(L, E, K, "cpu", weight_bins=20)
            c2._kernel = _NullKernel()

            def disp_loop(k, c2=c2, ids=ids, wts=wts, L=L):
                r = c2.record
                for i in range(k):
                    r(i % L, ids, wts)
            out["record_dispatch_only_%s_ns" % label] = per_call(disp_loop, n, rounds)

        if torch.cuda.is_available():
            dev = torch.device("cuda")
            tc = StepTimer(lambda *a: None, batch_size=100)

            def cuda_loop(k):
                b, e = tc.begin, tc.end
                for i in range(k):
                    b(i)
                    e()
            out["step_timer_begin_end_cuda_events_ns"] = per_call(cuda_loop, min(n, 5000), rounds, after=tc.flush)
            tn = StepTimer(lambda *a: None, batch_size=100, check_capture=False)

            def cuda_loop_nc(k):
                b, e = tn.begin, tn.end
                for i in range(k):
                    b(i)
                    e()
            out["step_timer_begin_end_cuda_events_no_capture_check_ns"] = per_call(cuda_loop_nc, min(n, 5000), rounds,
                                                                                    after=tn.flush)
            for fast in (True, False):
                c = ExpertCounter(48, 128, 8, dev, weight_bins=20, fast_launch=fast)
                logits = torch.randn(64, 128, device=dev)
                wts, ids = torch.softmax(logits, -1).topk(8)
                ids = ids.to(torch.int32)
                for i in range(20):
                    c.record(i % 48, ids, wts)

                def gpu_loop(k, c=c, ids=ids, wts=wts):
                    r = c.record
                    for i in range(k):
                        r(i % 48, ids, wts)
                out["record_cuda_%s_%s_ns" % (c.backend, "fast" if fast and c._fast is not None else "jit")] = \
                    per_call(gpu_loop, 2000, rounds, setup=torch.cuda.synchronize, after=torch.cuda.synchronize)
    width = max(len(k) for k in out)
    for k, v in out.items():
        print("%-*s  %s" % (width, k, v))
    print(json.dumps(out))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


class _NullKernel:
    """Stands for the triton kernel: `kernel[grid](...)` does nothing (dispatch-cost probe)."""

    def __getitem__(self, grid):
        return self

    def __call__(self, *a, **k):
        return None


if __name__ == "__main__":
    main()
