"""A 24-hour run at 50 scheduler steps/s, time-compressed, against the session's disk budget.

Replays REAL scheduler records through the probe's REAL SpoolWriter with segments and the
default budget (VLLM_PROFILING_MAX_DISK_MB=1024, 64 MiB segments, 10-minute rotation): the records
of a `profilemate demo` session (vLLM's real V1 scheduler on the CPU, the probe attached the
normal way: scheduler steps, request events, KV evictions, limits) are cut into steps at their
scheduler_step records and replayed in a loop, re-timed to 50 steps/s (each record's t_ns is
rewritten; nothing else changes). The writer's clock (segment age) is the replay's clock, so
24 simulated hours take minutes. The writer is driven without its thread: it commits a chunk
whenever LOG_INTERVAL (100) records are queued or a simulated second has passed, as its thread
would.

--gpu adds a second process, a GPU worker, with the per-step records a GPU run adds that the
CPU demo cannot make (forward_pass, cuda_graph_replay, two cpu_operation, and every 100 steps
the MoE counters of a 48-layer, 128-expert model as v2 arrays), packed by the probe's packers;
so the session outgrows the budget and retention has to work.

Prints, every simulated 30 minutes: raw/ bytes on disk, segments kept and dropped so far, the
peak, and this process's peak RSS (the writer's memory stays bounded). Usage:
  python bench/footprint_replay.py DEMO_SESSION [--hours 24] [--steps-per-s 50] [--gpu] [--keep DIR]
"""
import argparse
import json
import os
import resource
import shutil
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))

from profilemate_probe import config as config_mod, retention, spool  # noqa: E402
from profilemate_probe.segments import Segments  # noqa: E402

_T = struct.Struct("<q")
_STEP_TYPES = {spool.RECORDS[n].type_id for n in ("scheduler_step", "scheduler_step_v2", "scheduler_step_v3")}
_NOT_REPLAYED = {0, spool.RECORDS["records_lost"].type_id, spool.RECORDS["probe_losses"].type_id}


def demo_steps(session):
    """The demo's data records as a list of steps, each a list of packed records (t_ns offset
    from the step's start kept in a parallel list)."""
    raw = os.path.join(session, "raw")
    steps, current = [], None
    for name in sorted(os.listdir(raw)):
        if not name.endswith(".pmspool"):
            continue
        data = open(os.path.join(raw, name), "rb").read()
        pos = 0
        while pos + spool.CHUNK_HEADER.size <= len(data):
            h = spool.CHUNK_HEADER.unpack_from(data, pos)
            start, pos = pos + spool.CHUNK_HEADER.size, pos + spool.CHUNK_HEADER.size + h[5]
            p = start
            while p < pos:
                size, kind = spool.RECORD_HEADER.unpack_from(data, p)
                rec = data[p:p + 6 + size]
                p += 6 + size
                if kind in _NOT_REPLAYED:
                    continue
                if kind in _STEP_TYPES or current is None:
                    current = []
                    steps.append(current)
                current.append(rec)
    return steps


def gpu_step_records(step, t):
    """What a GPU worker adds per step (see the module doc)."""
    out = [_FORWARD(t, 4_000_000, 1, 16, 16, 1),
           _emit_bytes("cuda_graph_replay", t, 900_000, 16, 16, 1, 0, "FULL"),
           _emit_bytes("cpu_operation", t, 150_000, "batch_preparation", ""),
           _emit_bytes("cpu_operation", t, 80_000, "sampling", "")]
    if step % 100 == 0:  # the MoE counters' read-back (CUDA_EVENT_BATCH_SIZE)
        for layer in range(48):
            out.append(_emit_bytes("moe_expert_counts_v2", t, layer, 100, 1600, _COUNTS))
    return out


_FORWARD = spool.packer("forward_pass")
_COUNTS = list(range(128))


def _emit_bytes(name, *values):
    return spool.RECORDS[name].pack(values)


def raw_bytes(raw):
    n, total = 0, 0
    for e in os.scandir(raw):
        if e.name.endswith(".pmspool"):
            n += 1
            total += e.stat().st_size
    return n, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("demo_session")
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--steps-per-s", type=int, default=50)
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--keep", help="write the session here and keep it (default: a temp folder, removed)")
    ap.add_argument("--report-minutes", type=float, default=30)
    a = ap.parse_args()

    cfg = config_mod.load(environ=os.environ).values  # the defaults unless VLLM_PROFILING_* are set
    session = a.keep or tempfile.mkdtemp(prefix="footprint_")
    raw = os.path.join(session, "raw")
    os.makedirs(raw, exist_ok=True)
    steps = demo_steps(a.demo_session)
    per_step = sum(map(len, steps)) / len(steps)
    clock = [0.0]
    meta = {"format": "profilemate-spool", "pid": 1, "role": "engine_core", "rank": 0, "host": "replay",
            "clock": {"monotonic_ns": 1_000_000_000, "wall_ns": 1_764_000_000_000_000_000}, "python": "3",
            "profilers": [], "config": cfg}
    writers = [spool.SpoolWriter(None, meta, flush_every=cfg["LOG_INTERVAL"], clock=lambda: clock[0],
                                 segments=Segments.from_config(raw, "engine_core-1", cfg))]
    if a.gpu:
        writers.append(spool.SpoolWriter(None, dict(meta, pid=2, role="worker"), flush_every=cfg["LOG_INTERVAL"],
                                         clock=lambda: clock[0], segments=Segments.from_config(raw, "worker-2", cfg)))
    seg = writers[0]._segments
    print("replay: %d demo steps (%.1f records, %.0f bytes a step) from %s%s; %g h at %d steps/s; budget %d MiB, "
          "segments %d MiB / %g min" % (len(steps), per_step, sum(len(r) for s in steps for r in s) / len(steps),
                                        a.demo_session, " + a GPU worker's records" if a.gpu else "", a.hours,
                                        a.steps_per_s, seg.budget_bytes >> 20, seg.max_bytes >> 20,
                                        seg.max_seconds / 60))
    print("%8s %12s %6s %8s %12s %8s" % ("sim_h", "raw_MiB", "kept", "dropped", "peak_MiB", "rss_MiB"))
    total_steps = int(a.hours * 3600 * a.steps_per_s)
    t0 = 1_000_000_000
    dt = 1_000_000_000 // a.steps_per_s
    report_every = int(a.report_minutes * 60 * a.steps_per_s)
    peak = 0
    records = [0] * len(writers)
    last_flush = [0.0] * len(writers)
    wall0 = time.time()
    for i in range(total_steps):
        t = t0 + i * dt
        clock[0] = i / a.steps_per_s
        pack_t = _T.pack(t)
        for w, recs in ((writers[0], steps[i % len(steps)]),) + (((writers[1], gpu_step_records(i, t)),) if a.gpu else ()):
            out = w.out
            for r in recs:
                out(r[:6] + pack_t + r[14:])
        for k, w in enumerate(writers):
            if len(w._q) >= w._flush_every or clock[0] - last_flush[k] >= 1.0:
                records[k] += len(w._q)
                w.flush()
                last_flush[k] = clock[0]
        if i % (a.steps_per_s * 10) == 0 or i == total_steps - 1:  # the disk, every 10 simulated seconds
            peak = max(peak, raw_bytes(raw)[1])
        if i % report_every == 0 or i == total_steps - 1:
            n, used = raw_bytes(raw)
            peak = max(peak, used)
            dropped = len(retention.read_index(raw)[1])
            print("%8.2f %12.1f %6d %8d %12.1f %8.1f" % (clock[0] / 3600, used / 2**20, n, dropped, peak / 2**20,
                                                         resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  flush=True)
    for k, w in enumerate(writers):
        records[k] += len(w._q)
        w.close()
    n, used = raw_bytes(raw)
    closed, dropped = retention.read_index(raw)
    lines = [json.loads(l) for l in open(retention.index_path(raw))]
    drops = [e for e in lines if e["event"] == "dropped"]
    written = sum(e["bytes"] for e in lines if e["event"] == "closed")
    print("end: %g simulated hours, %d steps, %d records, %.1f MiB written in %d segments; on disk %.1f MiB in %d "
          "segments; %d segments dropped (%d records, %.1f MiB), every one in raw/segments.jsonl; peak %.1f MiB of a "
          "%d MiB budget (%s); replay took %.0f s wall, peak RSS %.1f MiB"
          % (a.hours, total_steps, sum(records), written / 2**20, len(closed), used / 2**20, n, len(drops),
             sum(e["records"] for e in drops), sum(e["bytes"] for e in drops) / 2**20, peak / 2**20,
             seg.budget_bytes >> 20, "under" if peak <= seg.budget_bytes else "OVER", time.time() - wall0,
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    if not a.keep:
        shutil.rmtree(session)
    return 0 if peak <= seg.budget_bytes or seg.budget_bytes == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
