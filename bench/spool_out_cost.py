"""Per-record cost of the spool hot path (deque.append) against counting every append (a Python
wrapper, or an itertools.count call beside it); results in bench/results/lifetimes.txt."""
import collections, itertools, struct, functools, timeit, sys
q = collections.deque(maxlen=1 << 18)
pack = functools.partial(struct.Struct("<IHqqq").pack, 24, 7)
a = q.append
c = itertools.count()
tick = c.__next__
def b(x, append=q.append, tick=tick):
    append(x); tick()
rec = pack(1, 2, 3)
def loop(out, n):
    for _ in range(n):
        out(rec); out(rec); out(rec); out(rec); out(rec); out(rec); out(rec); out(rec); out(rec); out(rec)
def loop2(out, n):
    for _ in range(n):
        out(rec); tick(); out(rec); tick(); out(rec); tick(); out(rec); tick(); out(rec); tick()
        out(rec); tick(); out(rec); tick(); out(rec); tick(); out(rec); tick(); out(rec); tick()
N = 200000
for name, fn, o in (("deque.append (now)", loop, a), ("python wrapper append+count", loop, b), ("append; tick() inline", loop2, a)):
    t = min(timeit.repeat(lambda: fn(o, N), number=1, repeat=7)) / (10 * N) * 1e9
    print("%-32s %.1f ns/record" % (name, t))
print(sys.version.split()[0])
