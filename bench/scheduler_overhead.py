"""Probe overhead on vLLM's real scheduler loop, measured side by side in one run.

Part 1: the schedule() + update_from_output() loop of the demo's mixed workload (prefix
hits and evictions, chunked prefill, preemptions), probe OFF and ON in interleaved rounds
(ABAB...), timing only the thread CPU time spent inside those two vLLM calls (thread_time_ns: less
sensitive to other load on the machine than wall time). Prints the ratio.
Part 2: per-call cost of each KV-block hook on a real BlockPool, hook on vs off, median ns.

Usage: python bench/scheduler_overhead.py [ROUNDS]   (under the vLLM venv; no PYTHONPATH needed)
"""
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))
sys.path.insert(0, os.path.join(HERE, "..", "probe", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "demo"))
os.environ["VLLM_PROFILING_DIR"] = tempfile.mkdtemp(prefix="pm-bench-")
os.environ["PROFILEMATE_SIDECAR"] = "0"

import profilemate_probe  # noqa: E402
from profilemate_probe.patching import unwrap, wrap  # noqa: E402

probe = profilemate_probe.install(force=True)
import vllm_testbed as tb  # noqa: E402  (imports vllm: the probe attaches its targets)
import run_demo  # noqa: E402

SCHED_TARGETS = [t for t in probe.targets if t.profiler in ("scheduler", "kv_cache")]


def set_probe(on):
    for t in SCHED_TARGETS:
        if on:
            wrap(t, probe.profilers[t.profiler])
        else:
            unwrap(t)


def one_round():
    sched, first, add_at = run_demo.build()
    pending = dict(add_at)
    for r in first:
        sched.add_request(r)
    inside = 0
    step = 0
    while sched.has_requests() or pending:
        for r in pending.pop(step, ()):
            sched.add_request(r)
        t0 = time.thread_time_ns()
        so = sched.schedule()
        t1 = time.thread_time_ns()
        out = tb.fake_model_output(so, scheduler=sched)
        t2 = time.thread_time_ns()
        sched.update_from_output(so, out)
        t3 = time.thread_time_ns()
        inside += (t1 - t0) + (t3 - t2)
        step += 1
    return inside, step


def loop_overhead(rounds):
    """Arms off, on and a second off (the A/A control: what two identical arms differ by here)."""
    off, on, off2 = [], [], []
    one_round()  # warm-up
    for i in range(rounds):
        arms = [(False, off), (True, on), (False, off2)]
        for state, out in (arms if i % 2 == 0 else arms[::-1]):
            set_probe(state)
            ns, steps = one_round()
            out.append(ns)
    set_probe(True)
    return off, on, off2, steps


def hook_costs(reps=2000, batches=15):
    """Median ns per call of each KV-block method with its hook on minus off."""
    sched = tb.make_scheduler(num_blocks=4096, block_size=16)
    pool = sched.kv_cache_manager.block_pool
    kv_targets = {t.qualname.split(".")[1]: t for t in SCHED_TARGETS if t.profiler == "kv_cache"}

    def bench(fn):
        samples = []
        for _ in range(batches):
            t0 = time.thread_time_ns()
            for _ in range(reps):
                fn()
            samples.append((time.thread_time_ns() - t0) / reps)
        return statistics.median(samples)

    def get_free():
        blocks = pool.get_new_blocks(1)
        pool.free_blocks(blocks)

    block = pool.get_new_blocks(1)[0]
    calls = {
        "get_new_blocks+free_blocks (1 block)": (("get_new_blocks", "free_blocks"), get_free),
        "touch (1 block)": (("touch",), lambda: (pool.touch([block]), setattr(block, "ref_cnt", block.ref_cnt - 1))),
        "_maybe_evict_cached_block (uncached)": (("_maybe_evict_cached_block",), lambda: pool._maybe_evict_cached_block(block)),
    }
    out = {}
    for label, (names, fn) in calls.items():
        res = {}
        for state in (False, True, False, True):
            for n in names:
                (wrap if state else unwrap)(kv_targets[n], *( [probe.profilers["kv_cache"]] if state else []))
            res.setdefault(state, []).append(bench(fn))
        off_ns, on_ns = min(res[False]), min(res[True])
        out[label] = {"off_ns": round(off_ns), "on_ns": round(on_ns),
                      "hook_ns_per_call": round((on_ns - off_ns) / len(names))}
    for n in kv_targets:
        wrap(kv_targets[n], probe.profilers["kv_cache"])
    return out


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    # vLLM's EngineCore freezes the start-up heap (vllm.utils.gc_utils.freeze_gc_heap) so that
    # collections do not rescan torch's and vLLM's millions of long-lived objects; do the same,
    # or the loop measures how often the cyclic GC walks that heap rather than the scheduler.
    import gc
    gc.collect()
    gc.freeze()
    off, on, off2, steps = loop_overhead(rounds)
    control = sorted(b / a for a, b in zip(off, off2))
    med_off, med_on = statistics.median(off), statistics.median(on)
    # rounds i of each arm ran back to back: their ratio cancels slow drifts in machine load
    pair_ratios = sorted(b / a for a, b in zip(off, on))
    import vllm
    result = {
        "vllm": vllm.__version__,
        "python": sys.version.split()[0],
        "workload": "demo/run_demo.py build(): %d scheduler steps per round" % steps,
        "rounds_per_arm": rounds,
        "scheduler_ms_off": [round(x / 1e6, 2) for x in off],
        "scheduler_ms_on": [round(x / 1e6, 2) for x in on],
        "median_ratio_on_over_off": round(med_on / med_off, 4),
        "median_of_paired_ratios": round(statistics.median(pair_ratios), 4),
        "control_off_vs_off_paired_median": round(statistics.median(control), 4),
        "paired_ratio_quartiles": [round(pair_ratios[len(pair_ratios) // 4], 4),
                                   round(pair_ratios[(3 * len(pair_ratios)) // 4], 4)],
        "overhead_pct": round(100 * (med_on / med_off - 1), 2),
        "per_step_overhead_us": round((med_on - med_off) / steps / 1e3, 2),
        "kv_block_hooks": hook_costs(),
        "gc": "heap frozen after start-up, as vLLM's EngineCore does (freeze_gc_heap)",
        "target": "<= 5% scheduler CPU time; <= 1000 ns median per KV-block hook",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
