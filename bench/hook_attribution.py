"""Where the probe's cost on vLLM's scheduler loop goes, hook by hook, measured in place.

Runs the lockstep rounds of bench/scheduler_overhead.py (probe-off and probe-on arms step by
step, thread CPU time inside schedule() and update_from_output()), once per variant. In a
variant, the named hooks are swapped for pass-through wrappers with vLLM's parameters; every other
hook stays as the probe has it. Variant cost minus the "all hooks" cost is what the swapped hooks
cost in place. (Turning a hook off instead would skew the others: update_from_output, for one,
keeps the scheduler hook's first-token bookkeeping small. For the same reason no variant swaps
_free_request: without it, requests that finish in their first step are never dropped from that
bookkeeping, and the schedule hook's slow path runs on every step.)

Usage: python bench/hook_attribution.py [ROUNDS] [WORKLOAD]   (under the vLLM venv)
Noise: about ±0.5 % per variant at 10 rounds on the 2-core VM; run twice before trusting a
difference under 1 %.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scheduler_overhead as so  # noqa: E402  (installs the probe, imports vLLM)
from profilemate_probe.patching import unwrap, wrap  # noqa: E402

ALL = {t.qualname for t in so.SCHED_TARGETS}
BY_NAME = {t.qualname: t for t in so.SCHED_TARGETS}
FACTORIES = {t.qualname: t.factory for t in so.SCHED_TARGETS}


def passthrough(original, prof):
    def hook(self, *args, **kwargs):
        return original(self, *args, **kwargs)
    return hook


def install(passthrough_names):
    for name, t in BY_NAME.items():
        unwrap(t)
        t.factory = passthrough if name in passthrough_names else FACTORIES[name]
        wrap(t, so.probe.profilers[t.profiler])


def overhead_pct(rounds, build):
    """The scheduler thread's median on/off ratio, from scheduler_overhead's lockstep rounds."""
    off, on, _, _, _ = so.loop_overhead(rounds, build)
    return round(100 * (statistics.median(b / a for a, b in zip(off, on)) - 1), 2)


VARIANTS = {
    "all hooks": set(),
    "no hook (all pass-through)": ALL,
    "schedule pass-through": {"Scheduler.schedule"},
    "update_from_output pass-through": {"Scheduler.update_from_output"},
    "preemption hook pass-through": {"Scheduler._preempt_request"},
    "KV-block hooks pass-through": {n for n in ALL if n.startswith("BlockPool.")},
    "prefix-cache lookup pass-through": {"KVCacheManager.get_computed_blocks"},
    "request hooks pass-through": {"Scheduler.add_request"},
}


def main():
    import gc
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    workload = sys.argv[2] if len(sys.argv) > 2 else "demo"
    gc.collect()
    gc.freeze()
    base = None
    for label, names in VARIANTS.items():
        install(names & ALL)
        pct = overhead_pct(rounds, so.WORKLOADS[workload])
        base = pct if base is None else base
        print("%-34s %+6.2f %%   (the swapped hooks cost %+.2f %%)" % (label, pct, base - pct), flush=True)
    install(set())


if __name__ == "__main__":
    main()
