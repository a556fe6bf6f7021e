"""What the prefix-cache explainer's hook costs vLLM per KVCacheManager.get_computed_blocks() call:
the real vLLM 0.33 KV cache manager (vllm_testbed, CPU), the same lookups timed with the hook off
and on and off again (the A/A control), interleaved, `--rounds` rounds; prints the median ns per
call of each, the ratio and the difference, for a few prompt shapes, each also as a request looked
up again (a waiting request, looked up every step until its blocks fit): a shared system prompt that is cached (found) and a unique
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


def measure(rounds=7, calls=200, shapes=SHAPES, retries=True):
    """[(label, off ns, on ns, A/A off2/off)] per shape: median ns per get_computed_blocks() call
    with the hook off, on, and off again (the A/A control), the arms' order rotating by round.
    With `retries`, each shape also as a request looked up again (as vLLM looks up a waiting
    request every step until its blocks fit): its second lookup is timed."""
    sched = tb.make_scheduler(num_blocks=4096, block_size=16, max_model_len=4096)
    manager = sched.kv_cache_manager
    tmp = tempfile.mkdtemp()
    writer = SpoolWriter(os.path.join(tmp, "bench.pmspool"), {"clock": {"monotonic_ns": 1}})
    prof = Profiler("prefix_cache", lambda m: print(m, file=sys.stderr), writer.emit, writer.out)
    target = prefix_cache.TARGETS[0]
    rows = []
    n = 0
    for cached, unique in shapes:
        prefix = tb.make_prefix(cached, seed=cached + unique) if cached else None
        if cached:  # the system prompt computed once: its blocks are cached
            warm = tb.make_requests(1, cached + 16, 1, prefix=prefix, scheduler=sched, id_prefix="warm%d-" % n)[0]
            manager.get_computed_blocks(warm)
            manager.allocate_slots(warm, warm.num_tokens)
        for again in (False, True) if retries else (False,):
            got = {"off": [], "on": [], "off2": []}
            for rnd in range(rounds):
                roles = ("off", "on", "off2")
                for role in roles[rnd % 3:] + roles[:rnd % 3]:
                    reqs = tb.make_requests(calls, cached + unique, 1, prefix=prefix, scheduler=sched,
                                            id_prefix="r%d-%d-%s-%d-" % (n, rnd, role, again))
                    if role == "on":
                        wrap(target, prof)
                    try:
                        if again:
                            timed(manager, reqs)  # the first lookup, not timed
                        got[role].append(timed(manager, reqs))
                    finally:
                        unwrap(target)
            a, b, c = (statistics.median(got[k]) for k in ("off", "on", "off2"))
            rows.append(("%d+%d%s" % (cached, unique, " again" if again else ""), a, b, c / a))
        n += 1
    if not prof.enabled:
        raise RuntimeError(prof.disabled_reason)
    writer.close()
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    print("vLLM KVCacheManager.get_computed_blocks, block size 16, %d calls x %d rounds, median ns per call"
          % (args.calls, args.rounds))
    print("%-28s %12s %12s %8s %10s %8s" % ("cached+unique tokens", "hook off", "hook on", "ratio", "added us", "A/A"))
    for label, a, b, aa in measure(args.rounds, args.calls):
        print("%-28s %12.0f %12.0f %8.2f %10.1f %8.3f" % (label, a, b, b / a, (b - a) / 1000, aa))


if __name__ == "__main__":
    main()
