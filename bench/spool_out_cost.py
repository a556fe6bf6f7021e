"""Per-record cost of the spool: on the hook's side, out() (a deque.append) against counting every
append (a Python wrapper, or an itertools.count call beside it), results in
bench/results/lifetimes.txt; on the spool thread, what writing a record costs it (writer_ns_per_record:
a real SpoolWriter's flush of the demo's record mix, packed by the hooks, to a temporary file).

Usage: python bench/spool_out_cost.py"""
import collections
import functools
import itertools
import os
import statistics
import struct
import sys
import tempfile
import time
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "probe"))


def out_costs(n=200000, repeat=7):
    """ns per record of the hook side's out() and of two ways of counting each append."""
    q = collections.deque(maxlen=1 << 18)
    pack = functools.partial(struct.Struct("<IHqqq").pack, 24, 7)
    a = q.append
    c = itertools.count()
    tick = c.__next__

    def b(x, append=q.append, tick=tick):
        append(x)
        tick()
    rec = pack(1, 2, 3)

    def loop(out, n):
        for _ in range(n):
            out(rec); out(rec); out(rec); out(rec); out(rec); out(rec); out(rec); out(rec); out(rec); out(rec)  # noqa: E702

    def loop2(out, n):
        for _ in range(n):
            out(rec); tick(); out(rec); tick(); out(rec); tick(); out(rec); tick(); out(rec); tick()  # noqa: E702
            out(rec); tick(); out(rec); tick(); out(rec); tick(); out(rec); tick(); out(rec); tick()  # noqa: E702
    res = {}
    for name, fn, o in (("deque.append (now)", loop, a), ("python wrapper append+count", loop, b),
                        ("append; tick() inline", loop2, a)):
        res[name] = min(timeit.repeat(lambda: fn(o, n), number=1, repeat=repeat)) / (10 * n) * 1e9
    return res


def demo_mix():
    """One demo round's records as the hooks pack them (per 517 steps: 617 evictions, 517 steps,
    411 prefix-cache lookups, 258 request events, 94 prefill chunks), request ids of 8 characters."""
    from profilemate_probe.spool import StringRecord, encode_strings, packer
    step, evict = packer("scheduler_step_v3"), packer("kv_block_eviction")
    ev, chunk, look = StringRecord("request_event"), StringRecord("prefill_chunk"), StringRecord("prefix_cache_lookup")
    rid = encode_strings("chat-123")
    recs = []
    for i in range(517):
        recs.append(step(i, i, 1000, i, 500, 12, 40, 1, 30, 11, 3, 20, 0, 1, 0, 2, 1))
        recs.extend([evict(i, 7, 1000, 500, 42)] * (617 * (i + 1) // 517 - 617 * i // 517))
        if i % 5 < 4:
            recs.append(look.head(look.fixed_size + len(rid), look.type_id, i, 1, 2, 0, 0, 150, 16, 9, 9, 8, 0,
                                  1, 0, 0) + rid)
        if i % 2 == 0:
            t = rid + b"\0\0"
            recs.append(ev.head(ev.fixed_size + len(t), ev.type_id, i, 2, 150, 0, 0) + t)
        if i % 11 < 2:
            recs.append(chunk.head(chunk.fixed_size + len(rid), chunk.type_id, i, i, 128) + rid)
    return recs


def writer_ns_per_record(rounds=5):
    """The spool thread's CPU per record: a real SpoolWriter taking the demo mix from its queue,
    framing it in chunks (CRC) and writing them, timed on this thread (median of rounds)."""
    from profilemate_probe.spool import SpoolWriter
    recs = demo_mix()
    tmp = tempfile.mkdtemp(prefix="pm-spool-cost-")
    out = []
    for r in range(rounds):
        w = SpoolWriter(os.path.join(tmp, "r%d.pmspool" % r), {"clock": {"monotonic_ns": 1}}, flush_every=1 << 30)
        for x in recs:
            w.out(x)
        t0 = time.thread_time_ns()
        w.flush()
        out.append((time.thread_time_ns() - t0) / len(recs))
        w.close()
    return statistics.median(out), len(recs)


def main():
    for name, ns in out_costs().items():
        print("%-32s %.1f ns/record" % (name, ns))
    ns, n = writer_ns_per_record()
    print("%-32s %.1f ns/record (%d records of the demo mix)" % ("spool thread: write", ns, n))
    print(sys.version.split()[0])


if __name__ == "__main__":
    main()
