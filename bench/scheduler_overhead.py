"""Probe overhead on vLLM's real scheduler loop, measured side by side in one run.

Part 1: the schedule() + update_from_output() loop of the demo's mixed workload (prefix
hits and evictions, chunked prefill, preemptions). Three real schedulers run in lockstep, step
by step in rotating order: probe OFF, ON, and OFF again (the A/A control), timing only the thread
CPU time spent inside those two vLLM calls (thread_time_ns: less sensitive to other load on the
machine than wall time). Prints the ratio, the CPU time of the probe's spool thread, which
writes the records (and packs the rarer ones with strings) outside the scheduler's calls, and
the ratio with that time charged to the probe too (it holds the GIL while it runs, so vLLM's
thread waits meanwhile).
Part 2: per-call cost of each KV-block hook on a real BlockPool, hook on vs off, median ns.

Workloads: "demo" (the demo's, at most 12 running requests), "server64" (up to 64 running,
mostly decode) and "server256" (the same traffic at vLLM's default of 256). KV events off in
all, as in a default vLLM server.

The hooks measured are every one that runs inside those two calls: the scheduler's, the KV block
pool's and the prefix-cache lookup's (PROFILEMATE_BENCH_PROFILERS=scheduler,kv_cache leaves the last
off in every arm: the probe without the prefix-cache explainer). Before 2026-12-06 the prefix-cache
hook stayed on in all three arms: its cost in place cancelled out, and its records, then packed on the
spool thread, were charged three times; figures before and after that differ on that account.

Usage: python bench/scheduler_overhead.py [ROUNDS] [WORKLOAD ...]   (under the vLLM venv; no
PYTHONPATH needed; workloads demo and server64 unless named; server256: up to 256 running)
"""
import json
import os
import statistics
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))
sys.path.insert(0, os.path.join(HERE, "..", "probe", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "demo"))
os.environ["VLLM_PROFILING_DIR"] = tempfile.mkdtemp(prefix="pm-bench-")
os.environ["PROFILEMATE_SIDECAR"] = "0"

import profilemate_probe  # noqa: E402
from profilemate_probe.patching import unwrap, wrap  # noqa: E402
from profilemate_probe.targets.scheduler import _pool as scheduler_pool  # noqa: E402

probe = profilemate_probe.install(force=True)
import vllm_testbed as tb  # noqa: E402  (imports vllm: the probe attaches its targets)
import run_demo  # noqa: E402

# Every hook that runs inside schedule() and update_from_output(): the scheduler's, the KV
# block pool's and the prefix-cache lookup's (KVCacheManager.get_computed_blocks, added after
# this bench was first written: it stayed wrapped in all arms, so its cost in place cancelled
# out while its records, packed on the spool thread, were charged three times)
ALL_SCHED_TARGETS = [t for t in probe.targets if t.profiler in ("scheduler", "kv_cache", "prefix_cache")]
SCHED_TARGETS = list(ALL_SCHED_TARGETS)


def use_profilers(names):
    """Only these profilers' hooks in the probe-on arm; the others' left off in every arm (the probe
    without them). The environment variable PROFILEMATE_BENCH_PROFILERS (comma-separated) does the
    same for main(): "scheduler,kv_cache" is the probe without the prefix-cache explainer."""
    SCHED_TARGETS[:] = [t for t in ALL_SCHED_TARGETS if t.profiler in names]
    for t in ALL_SCHED_TARGETS:
        if t.profiler in names:
            wrap(t, probe.profilers[t.profiler])
        else:
            unwrap(t)


def set_probe(on):
    for t in SCHED_TARGETS:
        if on:
            wrap(t, probe.profilers[t.profiler])
        else:
            unwrap(t)


def one_round(build=None):
    """One pass of a workload (the demo's by default) on the probe as currently wrapped."""
    arm = Arm(False, build or build_demo)
    inside = 0
    while arm.busy():
        inside += arm.step()
    return inside, arm.steps


def build_demo():
    # vLLM servers publish no KV events unless asked: the bench leaves them off (the demo's
    # tests turn them on as ground truth)
    return run_demo.build(kv_events=False)


def build_server(max_seqs=64, blocks=1500, waves=40, per_wave=4):
    """A busier server: up to 64 running requests, mostly decode, shared system prompts,
    arrivals spread over the run, a KV cache small enough for a few preemptions."""
    import random
    sched = tb.make_scheduler(num_blocks=blocks, block_size=16, max_num_seqs=max_seqs,
                              max_num_batched_tokens=2048, max_model_len=2048, kv_events=False)
    rng = random.Random(11)
    prefixes = [tb.make_prefix(256, seed=s) for s in range(4)]
    add_at = {}
    for wave in range(waves):
        n = per_wave
        lens = [rng.randint(300, 600) for _ in range(n)]  # with the 256-token prefix when shared
        outs = [rng.randint(64, 256) for _ in range(n)]
        prefix = prefixes[wave % 4] if wave % 2 == 0 else None
        add_at.setdefault(wave * 6, []).extend(tb.make_requests(
            n, lens, outs, prefix=prefix, start_id=wave * n, scheduler=sched, id_prefix="srv-"))
    first = add_at.pop(0)
    return sched, first, add_at


def build_server256():
    """vLLM's default max_num_seqs (256): the same traffic, four times as many requests at once."""
    return build_server(max_seqs=256, blocks=6000, waves=40, per_wave=16)


WORKLOADS = {"demo": build_demo, "server64": build_server, "server256": build_server256}


class Arm:
    """One real Scheduler driven through a workload. With bypass=True its instances call
    vLLM's original methods (bound on the instance, so the class stays wrapped for the others):
    probe-on and probe-off arms run side by side in one process, step by step."""

    def __init__(self, bypass, build=build_demo):
        self.sched, first, self.add_at = build()
        if bypass:
            pool = scheduler_pool(self.sched)
            for t in SCHED_TARGETS:
                cls_name, attr = t.qualname.split(".")
                obj = {"Scheduler": self.sched, "BlockPool": pool,
                       "KVCacheManager": self.sched.kv_cache_manager}[cls_name]
                fn = getattr(type(obj), attr)
                original = getattr(fn, "__profilemate_original__", fn)
                setattr(obj, attr, types.MethodType(original, obj))
        self.pending = dict(self.add_at)
        for r in first:
            self.sched.add_request(r)
        self.steps = 0

    def busy(self):
        return self.sched.has_requests() or self.pending

    def step(self):
        """CPU time (this thread) inside schedule() and update_from_output() for one step."""
        sched = self.sched
        for r in self.pending.pop(self.steps, ()):
            sched.add_request(r)
        t0 = time.thread_time_ns()
        so = sched.schedule()
        t1 = time.thread_time_ns()
        out = tb.fake_model_output(so, scheduler=sched)
        t2 = time.thread_time_ns()
        sched.update_from_output(so, out)
        t3 = time.thread_time_ns()
        self.steps += 1
        return (t1 - t0) + (t3 - t2)


def writer_cpu_ns():
    """CPU time of the probe's spool thread, which packs and writes the records off the hot path."""
    w = getattr(probe.writer, "_thread", None)
    if w is None or w.ident is None:
        return 0
    return time.clock_gettime_ns(time.pthread_getcpuclockid(w.ident))


def loop_overhead(rounds, build=build_demo):
    """Per round, three schedulers in lockstep: off, on, and a second off (the A/A control),
    built in an order that rotates from round to round.
    Each step runs all three back to back, in rotating order, so machine noise hits all arms
    alike; a round's ratio is its summed on (or off2) time over its summed off time."""
    off, on, off2, writer = [], [], [], []
    for i in range(rounds + 1):
        # The arm built last ran 1-2 % faster than the one built first, whatever its role (the
        # A/A control showed it): the build order rotates with the round, so each role is built
        # first, second and last equally often.
        roles = ("off", "on", "off2")
        order = roles[i % 3:] + roles[:i % 3]
        built = {role: Arm(role != "on", build) for role in order}
        arms = [built[role] for role in roles]
        ns = [0, 0, 0]
        probe.writer.flush()  # the arms' set-up records are not the round's
        w0 = writer_cpu_ns()
        k = 0
        while any(a.busy() for a in arms):
            for j in ((0, 1, 2), (1, 2, 0), (2, 0, 1))[k % 3]:
                if arms[j].busy():
                    ns[j] += arms[j].step()
            k += 1
        if len({a.steps for a in arms}) != 1:
            raise SystemExit("arms diverged: the probe changed scheduling decisions")
        # what the spool thread had not done yet is done here, on this thread: it counts too
        f0 = time.thread_time_ns()
        probe.writer.flush()
        flush_ns = time.thread_time_ns() - f0
        if i == 0:
            continue  # warm-up round
        off.append(ns[0]); on.append(ns[1]); off2.append(ns[2])
        writer.append(writer_cpu_ns() - w0 + flush_ns)
    return off, on, off2, writer, arms[0].steps


def hook_costs(reps=2000, batches=15):
    """Median ns per call of each KV-block method with its hook on and off, measured off, on, off,
    on; the two off measurements' ratio is the A/A control."""
    sched = tb.make_scheduler(num_blocks=4096, block_size=16)
    pool = sched.kv_cache_manager.block_pool
    # one usable block (and the null block): the block freed cached is the next one handed out
    small = type(pool)(num_gpu_blocks=2, enable_caching=True, hash_block_size=16)
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
    n = [0]

    def evict_get_free():
        # the block comes back cached: the next get_new_blocks evicts it (vLLM resets its hash)
        blocks = small.get_new_blocks(1)
        n[0] += 1
        key = n[0].to_bytes(32, "little") + b"\0\0\0\0"  # a BlockHashWithGroupId: hash, group 0
        if hasattr(blocks[0], "set_block_hash"):
            blocks[0].set_block_hash(key)
        else:
            blocks[0].block_hash = key
        small.cached_block_hash_to_block.insert(key, blocks[0])
        small.free_blocks(blocks)

    calls = {
        "get_new_blocks+free_blocks (1 block)": (("get_new_blocks", "free_blocks"), get_free),
        "get_new_blocks evicting a cached block+free_blocks": (("get_new_blocks", "free_blocks"), evict_get_free),
        "touch (1 block)": (("touch",), lambda: (pool.touch([block]), setattr(block, "ref_cnt", block.ref_cnt - 1))),
    }
    out = {}
    for label, (names, fn) in calls.items():
        res = {}
        for state in (False, True, False, True):
            for n_ in names:
                (wrap if state else unwrap)(kv_targets[n_], *([probe.profilers["kv_cache"]] if state else []))
            res.setdefault(state, []).append(bench(fn))
        off_ns, on_ns = min(res[False]), min(res[True])
        out[label] = {"off_ns": round(off_ns), "on_ns": round(on_ns),
                      "control_off2_vs_off": round(res[False][1] / res[False][0], 4),
                      "hook_ns_per_call": round((on_ns - off_ns) / len(names))}
    for n_ in kv_targets:
        wrap(kv_targets[n_], probe.profilers["kv_cache"])
    return out


def summarize(rounds, off, on, off2, writer, steps):
    """loop_overhead's rounds as ratios: each round's arms ran step by step side by side, so their
    ratio cancels machine noise; the A/A control is the second off arm against the first."""
    control = sorted(b / a for a, b in zip(off, off2))
    med_off, med_on = statistics.median(off), statistics.median(on)
    pair_ratios = sorted(b / a for a, b in zip(off, on))
    # Under the GIL the spool thread's work is not free: while it runs, vLLM's thread waits.
    # This ratio charges it to the probe as well.
    total_ratios = sorted((b + w) / a for a, b, w in zip(off, on, writer))
    return {
        "scheduler_steps_per_round": steps,
        "rounds": rounds,
        "scheduler_ms_off": [round(x / 1e6, 2) for x in off],
        "scheduler_ms_on": [round(x / 1e6, 2) for x in on],
        "median_of_paired_ratios": round(statistics.median(pair_ratios), 4),
        "control_off_vs_off_paired_median": round(statistics.median(control), 4),
        # per round, in round order; the build order cycles with the round (off, on, off2
        # built first in turn), so it balances over a multiple of three rounds
        "control_off2_vs_off_per_round": [round(b / a, 4) for a, b in zip(off, off2)],
        "on_vs_off_per_round": [round(b / a, 4) for a, b in zip(off, on)],
        "paired_ratio_quartiles": [round(pair_ratios[len(pair_ratios) // 4], 4),
                                   round(pair_ratios[(3 * len(pair_ratios)) // 4], 4)],
        "overhead_pct": round(100 * (statistics.median(pair_ratios) - 1), 2),
        "median_ratio_with_spool_thread": round(statistics.median(total_ratios), 4),
        "overhead_pct_with_spool_thread": round(100 * (statistics.median(total_ratios) - 1), 2),
        "scheduler_us_per_step_off": round(med_off / steps / 1e3, 1),
        "scheduler_us_per_step_on": round(med_on / steps / 1e3, 1),
        "per_step_overhead_us": round((med_on - med_off) / steps / 1e3, 2),
        "spool_thread_us_per_step": round(statistics.median(writer) / steps / 1e3, 2),
    }


def freeze_heap():
    # vLLM's EngineCore freezes the start-up heap (vllm.utils.gc_utils.freeze_gc_heap) so that
    # collections do not rescan torch's and vLLM's millions of long-lived objects; do the same,
    # or the loop measures how often the cyclic GC walks that heap rather than the scheduler.
    import gc
    gc.collect()
    gc.freeze()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    names = sys.argv[2:] or ["demo", "server64"]
    freeze_heap()
    import vllm
    profilers = os.environ.get("PROFILEMATE_BENCH_PROFILERS", "scheduler,kv_cache,prefix_cache").split(",")
    use_profilers(profilers)
    result = {"vllm": vllm.__version__, "python": sys.version.split()[0], "load_average": os.getloadavg(),
              "profilers": profilers, "workloads": {}}
    for name in names:
        result["workloads"][name] = summarize(rounds, *loop_overhead(rounds, WORKLOADS[name]))
    result.update({
        "kv_block_hooks": hook_costs(),
        "load_average_after": os.getloadavg(),
        "gc": "heap frozen after start-up, as vLLM's EngineCore does (freeze_gc_heap)",
        "target": "<= 2% scheduler CPU time with the spool thread (issue 26)",
        "note": "overhead_pct: the scheduler thread alone; overhead_pct_with_spool_thread adds the "
                "probe's spool thread, which holds the GIL while it runs (the honest figure)",
    })
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
