"""The probe must not change how long vLLM's objects live: once vLLM drops a Scheduler, it
and its BlockPool go, hooks or not (a probe that kept the last ones alive held a KV block
pool's worth of Python objects for the life of the process)."""
import json
import os

import pytest

from conftest import run_python

pytest.importorskip("vllm")
HERE = os.path.dirname(os.path.abspath(__file__))

# Two schedulers in one process: the first stepped through a real workload (so every scheduler
# and block-pool hook has seen it), then dropped while the second, built, has not scheduled yet
# (as when vLLM restarts its engine core); weak references tell whether the first went.
CODE = """
import gc, json, sys, weakref
sys.path.insert(0, %r)
import vllm_testbed as tb
import profilemate_probe as p

first, reqs, add = tb.overflow_workload()
tb.run(first, reqs, add_at=add)
pool = first.kv_cache_manager.block_pool
refs = {"scheduler": weakref.ref(first), "block_pool": weakref.ref(pool),
        "free_block_queue": weakref.ref(pool.free_block_queue)}
del first, reqs, add, pool
second, reqs, add = tb.overflow_workload()
gc.collect()
alive = sorted(k for k, r in refs.items() if r() is not None)
second_steps = tb.run(second, reqs, add_at=add).num_steps
print("LIFETIMES" + json.dumps({"probe": p.probe() is not None, "alive": alive, "second_ran": second_steps > 0}))
""" % HERE


def _alive(env):
    r = run_python(CODE, env)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.split("LIFETIMES")[-1])


def test_a_dropped_scheduler_and_its_block_pool_are_freed_with_the_probe_on(tmp_path):
    without = _alive({"VLLM_ENABLE_PROFILING": "0"})
    assert without == {"probe": False, "alive": [], "second_ran": True}  # the test bed itself holds nothing
    on = _alive({"VLLM_PROFILING_DIR": str(tmp_path / "prof")})
    assert on["probe"] is True
    assert on["alive"] == [], "the probe keeps vLLM objects alive: %s" % on["alive"]
