"""Every CPU-side overhead measurement of the probe in one run, printed as one table of ratios.

Each section is a function of `quick` returning rows (name, off, on, ratio, A/A ratio, note): the
figure without the probe, with it, on/off, the same measured twice without it (the A/A control:
how far two identical arms read apart on this machine now), and what was measured. A row of an
absolute cost (no "off" to compare with) leaves off, ratio and A/A empty. The sections reuse the
bench modules that measure each cost on its own (their docstrings say how):

  scheduler_loop       bench/scheduler_overhead.py: vLLM's real scheduler loop on the demo's
                       workload (and server64), thread CPU per step, the probe's spool thread
                       charged too in the second row (the issue-26 target: <= 2 %)
  kv_block_hooks       the same module's per-call cost of the KV-block hooks on a real BlockPool
  prefix_cache_lookup  bench/prefix_cache_cost.py: KVCacheManager.get_computed_blocks per call
  moe_counter_cpu      bench/gpu/hook_cost.py: ExpertCounter.record per step on the CPU backend
  moe_counting_gpu     bench/gpu/moe_step_cost.py: the MoE counting's GPU time per step, one launch
                       per step vs one per layer (only where CUDA is; [] here)
  spool_write          bench/spool_out_cost.py: a record's cost on vLLM's thread and on the spool thread

Usage: python bench/overhead.py [--quick] [--rounds N] [--json FILE]   (under the vLLM venv)
--quick (a smoke test, under 2 minutes): few rounds, the demo workload only; its ratios are noisy.
"""
import argparse
import collections
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "gpu"))

import scheduler_overhead as so  # noqa: E402  (installs the probe, imports vLLM: first)
import prefix_cache_cost  # noqa: E402
import spool_out_cost  # noqa: E402
from profilemate_probe.patching import unwrap, wrap  # noqa: E402
from profilemate_probe.targets import prefix_cache  # noqa: E402

Row = collections.namedtuple("Row", "name off on ratio aa note")
ROUNDS = [12]  # scheduler-loop rounds of a full run (--rounds)


def scheduler_loop(quick):
    rows = []
    for name in ("demo",) if quick else ("demo", "server64"):
        rounds = 3 if quick else ROUNDS[0]
        s = so.summarize(rounds, *so.loop_overhead(rounds, so.WORKLOADS[name]))
        on_total = s["scheduler_us_per_step_on"] + s["spool_thread_us_per_step"]
        aa = s["control_off_vs_off_paired_median"]
        what = "%d rounds of %d steps; median of the rounds' paired ratios" % (rounds, s["scheduler_steps_per_round"])
        rows.append(Row("scheduler loop %s: us CPU/step, hooks" % name, s["scheduler_us_per_step_off"],
                        s["scheduler_us_per_step_on"], s["median_of_paired_ratios"], aa, what))
        rows.append(Row("scheduler loop %s: us CPU/step, hooks + spool thread" % name,
                        s["scheduler_us_per_step_off"], round(on_total, 1), s["median_ratio_with_spool_thread"], aa,
                        "spool thread %.2f us/step; target <= 1.02" % s["spool_thread_us_per_step"]))
    # the same without the prefix-cache explainer's hook (KVCacheManager.get_computed_blocks): what
    # the scheduler and KV-block hooks cost alone
    rounds = 3 if quick else ROUNDS[0]
    so.use_profilers(("scheduler", "kv_cache"))
    try:
        s = so.summarize(rounds, *so.loop_overhead(rounds, so.WORKLOADS["demo"]))
    finally:
        so.use_profilers(("scheduler", "kv_cache", "prefix_cache"))
    rows.append(Row("scheduler loop demo without the prefix-cache hook: hooks + spool thread",
                    s["scheduler_us_per_step_off"],
                    round(s["scheduler_us_per_step_on"] + s["spool_thread_us_per_step"], 1),
                    s["median_ratio_with_spool_thread"], s["control_off_vs_off_paired_median"],
                    "the scheduler's and KV-block hooks alone (PROFILEMATE_BENCH_PROFILERS=scheduler,kv_cache)"))
    return rows


def kv_block_hooks(quick):
    costs = so.hook_costs(reps=200, batches=5) if quick else so.hook_costs()
    return [Row("KV hook: %s, ns/call" % label, c["off_ns"], c["on_ns"], round(c["on_ns"] / c["off_ns"], 3),
                c["control_off2_vs_off"], "hook adds %d ns a hooked call" % c["hook_ns_per_call"])
            for label, c in costs.items()]


def prefix_cache_lookup(quick):
    # the probe attached its own hook to get_computed_blocks: off, the measurement's arms wrap it
    target = next(t for t in so.probe.targets if t.key == prefix_cache.TARGETS[0].key)
    unwrap(target)
    try:
        if quick:
            got = prefix_cache_cost.measure(rounds=3, calls=100, shapes=[(512, 64)])
        else:
            got = prefix_cache_cost.measure()
    finally:
        wrap(target, so.probe.profilers["prefix_cache"])
    return [Row("prefix-cache lookup %s tokens: ns/call" % label, round(a), round(b), round(b / a, 3), round(aa, 3),
                "cached+unique prompt tokens%s" % ("; looked up again (a waiting request)" if "again" in label else ""))
            for label, a, b, aa in got]


def moe_counter_cpu(quick):
    try:
        import torch
        import hook_cost
    except ImportError:
        return []
    threads = torch.get_num_threads()
    # one intra-op thread: on a shared 2-core machine torch's thread pool waits on the other core's
    # load (milliseconds per op), which measures the machine, not the counter
    torch.set_num_threads(1)
    try:
        return _moe_rows(quick, hook_cost)
    finally:
        torch.set_num_threads(threads)


def _moe_rows(quick, hook_cost):
    shapes = [("Mixtral 8 experts top-2", 32, 8, 2, 64), ("Qwen3-MoE 128 experts top-8", 48, 128, 8, 64)]
    rows = []
    for label, L, E, K, T in shapes[:1] if quick else shapes:
        rec, route = hook_cost.moe_record_cpu(L, E, K, T, 50 if quick else 400, 3 if quick else 5, router=True)
        off, on = L * route / 1e3, L * (route + rec) / 1e3
        rows.append(Row("MoE counter on CPU, %s, %d layers x %d tokens: us/step" % (label, L, T), round(off, 1),
                        round(on, 1), round(on / off, 3), None,
                        "off: softmax+top-k routing per layer (for scale); on: + ExpertCounter.record (torch "
                        "fallback, one thread)"))
    return rows


def spool_write(quick):
    out = spool_out_cost.out_costs(n=20000 if quick else 200000, repeat=3 if quick else 7)
    ns, n = spool_out_cost.writer_ns_per_record(rounds=2 if quick else 5)
    per_step = n / 517  # the demo mix: one round's records over its 517 steps
    return [
        Row("spool: out() per record on vLLM's thread, ns", None, round(out["deque.append (now)"], 1), None, None,
            "a deque.append of a record the hook packed (microbenchmark: in place it costs more)"),
        Row("spool thread: ns per record written", None, round(ns, 1), None, None,
            "the demo's record mix (%d records): %.2f us per demo step" % (n, ns * per_step / 1e3)),
    ]


def moe_counting_gpu(quick):
    """The MoE counting's own GPU time per forward step (bench/gpu/moe_step_cost.kernel_only: a CUDA
    graph of steps of mixtral-2b's 16 layers of record(), replayed), one launch per step against one
    per layer. Nothing without CUDA (this VM: the H200 figures are in bench/results/gpu/moe_step_*)."""
    try:
        import torch
        if not torch.cuda.is_available():
            return []
        import moe_step_cost
    except ImportError:
        return []
    dev = torch.device("cuda", torch.cuda.current_device())
    rows = []
    for T in (16,) if quick else (16, 64, 256):
        r = moe_step_cost.kernel_only(dev, T, replays=10 if quick else 30)
        rows.append(Row("MoE counting on the GPU, 16 layers x %d tokens: us/step" % T, r["per_layer_us_per_step"],
                        r["per_step_us_per_step"], round(r["per_step_us_per_step"] / r["per_layer_us_per_step"], 3),
                        None, "off: one launch per layer (MOE_COUNT_PER_STEP=0); on: one launch per step; %s"
                        % torch.cuda.get_device_name(dev)))
    return rows


# One function per section, run in this order (the scheduler loop first: it needs the probe's
# hooks as installed).
SECTIONS = [scheduler_loop, kv_block_hooks, prefix_cache_lookup, moe_counter_cpu, moe_counting_gpu, spool_write]


def _cell(v, fmt):
    return "" if v is None else fmt % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke test: few rounds, under 2 minutes")
    ap.add_argument("--rounds", type=int, default=ROUNDS[0], help="scheduler-loop rounds (full run)")
    ap.add_argument("--json", help="also write the rows to this file")
    args = ap.parse_args()
    ROUNDS[0] = args.rounds
    so.freeze_heap()
    import vllm
    t0 = time.monotonic()
    load = os.getloadavg()
    rows = []
    for section in SECTIONS:
        rows.extend(section(args.quick))
    width = max(len(r.name) for r in rows)
    print("probe overhead, side by side (vLLM %s, Python %s%s); load average %.2f %.2f %.2f before, "
          "%.2f %.2f %.2f after; measured in %.0f s"
          % ((vllm.__version__, sys.version.split()[0], ", quick" if args.quick else "") + load
             + os.getloadavg() + (time.monotonic() - t0,)))
    print("%-*s %10s %10s %8s %8s  %s" % (width, "measurement", "off", "on", "on/off", "A/A", "note"))
    for r in rows:
        print("%-*s %10s %10s %8s %8s  %s" % (width, r.name, _cell(r.off, "%.1f"), _cell(r.on, "%.1f"),
                                             _cell(r.ratio, "%.3f"), _cell(r.aa, "%.3f"), r.note))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"quick": args.quick, "load_average": load, "rows": [r._asdict() for r in rows]}, f, indent=1)
    bad = [r.name for r in rows if any(v is not None and not math.isfinite(v) for v in (r.off, r.on, r.ratio, r.aa))]
    if bad:
        raise SystemExit("not a number: %s" % ", ".join(bad))
    return rows


if __name__ == "__main__":
    main()
