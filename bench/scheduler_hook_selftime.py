"""Where the probe's scheduler-side time goes, per hook: exclusive time of each hook (its
wrapper minus the vLLM call inside it), per call and per scheduler step, measured in place on
the demo workload (hot-loop microbenchmarks understate it several-fold: in the loop, vLLM's own
code keeps the probe's code and data out of the CPU caches).

Usage: python bench/scheduler_hook_selftime.py [demo|server64]   (under the vLLM venv)
"""
import os
import sys
import time
import gc
WORKLOAD = sys.argv[1] if len(sys.argv) > 1 else "demo"
sys.argv = ["x"]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scheduler_overhead as so
from profilemate_probe.patching import wrap, unwrap, PatchTarget
gc.collect(); gc.freeze()
acc = {}
so.set_probe(False)
for t in so.SCHED_TARGETS:
    key = t.qualname
    def make(factory, key=key):
        def f(original, prof):
            def timed_original(*a, **k):
                s = time.perf_counter_ns()
                try: return original(*a, **k)
                finally: acc[key + " orig"] = acc.get(key + " orig", 0) + time.perf_counter_ns() - s
            repl = factory(timed_original, prof)
            def outer(*a, **k):
                s = time.perf_counter_ns()
                try: return repl(*a, **k)
                finally:
                    acc[key + " all"] = acc.get(key + " all", 0) + time.perf_counter_ns() - s
                    acc[key + " n"] = acc.get(key + " n", 0) + 1
            return outer
        return f
    wrap(PatchTarget(t.profiler, t.module, t.qualname, t.versions, make(t.factory)), so.probe.profilers[t.profiler])
so.one_round(so.WORKLOADS[WORKLOAD]); acc.clear()
ns, steps = so.one_round(so.WORKLOADS[WORKLOAD])
tot = 0
for key in sorted({k.rsplit(" ",1)[0] for k in acc}):
    n = acc.get(key+" n", 0); ex = acc.get(key+" all",0) - acc.get(key+" orig",0)
    # the two timer pairs themselves cost ~2x perf_counter_ns per call; not subtracted
    tot += ex
    print("%-40s %6d calls  %.2f us/call  %.1f us/step" % (key, n, ex/max(n,1)/1e3, ex/steps/1e3))
print("probe self time %.1f us/step over %d steps; round %.1f ms" % (tot/steps/1e3, steps, ns/1e6))
