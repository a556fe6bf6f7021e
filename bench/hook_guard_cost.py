"""Per-call cost of how the scheduler and block-pool hooks find their per-object state: a closure
cache of the last object (which kept it alive), a per-call attribute read (what the hooks do), a
weak reference. Run from the repository root with the vLLM venv python; results in
bench/results/lifetimes.txt."""
import sys, timeit, weakref
sys.path.insert(0, "probe/tests")
import vllm_testbed as tb
sched = tb.make_scheduler(num_blocks=97)
pool = sched.kv_cache_manager.block_pool
sched._profilemate_fixed = (pool.free_block_queue, len)
pool._profilemate_times = ([0]*len(pool.blocks), [0]*len(pool.blocks))
pool._profilemate_alloc = pool._profilemate_times[0]

def make_a():
    owner = fq = wl = None
    def f(self):
        nonlocal owner, fq, wl
        if self is not owner:
            fq, wl = self._profilemate_fixed
            owner = self
        return fq, wl
    return f

def make_b():
    def f(self):
        try:
            fq, wl = self._profilemate_fixed
        except AttributeError:
            fq = wl = None
        return fq, wl
    return f

def make_c():
    ref = lambda: None
    fq = wl = None
    def f(self):
        nonlocal ref, fq, wl
        if self is not ref():
            fq, wl = self._profilemate_fixed
            ref = weakref.ref(self)
        return fq, wl
    return f

def make_pool_a():
    mine = at = None
    def f(self):
        nonlocal mine, at
        if self is not mine:
            at = self._profilemate_times[0]
            mine = self
        return at
    return f

def make_pool_b():
    def f(self):
        try:
            at = self._profilemate_alloc
        except AttributeError:
            at = None
        return at
    return f

def empty():
    def f(self):
        return None, None
    return f

def loop(f, obj, n):
    for _ in range(n):
        f(obj); f(obj); f(obj); f(obj); f(obj); f(obj); f(obj); f(obj); f(obj); f(obj)

N = 200_000
res = {}
for rnd in range(5):
    for name, mk, obj in [("empty", empty, sched), ("sched: closure owner (now)", make_a, sched),
                          ("sched: per-call attribute", make_b, sched), ("sched: weakref call", make_c, sched),
                          ("pool: closure owner (now)", make_pool_a, pool), ("pool: per-call attribute", make_pool_b, pool)]:
        f = mk()
        t = min(timeit.repeat(lambda: loop(f, obj, N), number=1, repeat=3)) / (10 * N) * 1e9
        res[name] = min(res.get(name, 1e9), t)
for k, v in res.items():
    print("%-30s %.1f ns/call" % (k, v))
