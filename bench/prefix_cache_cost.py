"""What the prefix-cache explainer's hook costs vLLM per KVCacheManager.get_computed_blocks() call:
the real vLLM 0.33 KV cache manager (vllm_testbed, CPU), the same lookups timed with the hook off
and on, interleaved, `--rounds` rounds; prints the median ns per call of each, the ratio and the
difference, for a few prompt shapes: a shared system prompt that is cached (found) and a unique
tail that is not (the hook feeds the missed blocks to its table: its cost grows with them).

The hook writes its records to a real SpoolWriter (a temporary file), as in a profiled server.

Usage: python bench/prefix_cache_cost.py [--rounds 7] [--calls 200]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "probe"))
sys.path.insert(0, os.path.join(REPO, "probe", "tests"))

import vllm_testbed as tb  # noqa: E402
from profilemate_probe.patching import Profiler, unwrap, wrap  # noqa: E402
from profilemate_probe.spool import SpoolWriter  # noqa: E402
from profilemate_probe.targets import prefix_cache  # noqa: E402

SHAPES = [(512, 64), (512, 512), (2048, 256), (0, 1024)]  # (cached system prompt, unique tail) tokens


def timed(manager, requests):
    t = time.perf_counter_ns()
    for r in requests:
        manager.get_computed_blocks(r)
    return (time.perf_counter_ns() - t) / len(requests)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    sched = tb.make_scheduler(num_blocks=4096, block_size=16, max_model_len=4096)
    manager = sched.kv_cache_manager
    tmp = tempfile.mkdtemp()
    writer = SpoolWriter(os.path.join(tmp, "bench.pmspool"), {"clock": {"monotonic_ns": 1}})
    prof = Profiler("prefix_cache", lambda m: print(m, file=sys.stderr), writer.emit, writer.out)
    target = prefix_cache.TARGETS[0]
    print("vLLM KVCacheManager.get_computed_blocks, block size 16, %d calls x %d rounds, median ns per call"
          % (args.calls, args.rounds))
    print("%-22s %12s %12s %8s %10s" % ("cached+unique tokens", "hook off", "hook on", "ratio", "added us"))
    n = 0
    for cached, unique in SHAPES:
        prefix = tb.make_prefix(cached, seed=cached + unique) if cached else None
        if cached:  # the system prompt computed once: its blocks are cached
            warm = tb.make_requests(1, cached + 16, 1, prefix=prefix, scheduler=sched, id_prefix="warm%d-" % n)[0]
            manager.get_computed_blocks(warm)
            manager.allocate_slots(warm, warm.num_tokens)
        off, on = [], []
        for rnd in range(args.rounds):
            for hooked in (False, True) if rnd % 2 == 0 else (True, False):
                reqs = tb.make_requests(args.calls, cached + unique, 1, prefix=prefix, scheduler=sched,
                                        id_prefix="r%d-%d-%d-" % (n, rnd, hooked))
                if hooked:
                    wrap(target, prof)
                try:
                    (on if hooked else off).append(timed(manager, reqs))
                finally:
                    unwrap(target)
        n += 1
        a, b = statistics.median(off), statistics.median(on)
        print("%-22s %12.0f %12.0f %8.2f %10.1f" % ("%d+%d" % (cached, unique), a, b, b / a, (b - a) / 1000))
    assert prof.enabled, prof.disabled_reason
    writer.close()


if __name__ == "__main__":
    main()
