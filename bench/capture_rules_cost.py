"""What the triggered-capture rules cost `profilemate export`: the same session exported with the
default rules and with `--trigger off`, interleaved, N rounds; prints each time and the ratio of
the medians. The session is written by the probe's own SpoolWriter: one EngineCore, 100 steps/s
for `--seconds` (scheduler_limits, scheduler_step_v3 with a KV ramp, a request arriving, getting its
first token and finishing every 5 steps), so every rule has data to evaluate (step_time and ttft
with a full 10-minute baseline).

Usage: python bench/capture_rules_cost.py [--seconds 1800] [--rounds 5]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "probe"))
from profilemate_probe.spool import SpoolWriter  # noqa: E402

EV_ARRIVED, EV_FINISHED, EV_FIRST_TOKEN = 1, 5, 6


def write_session(session, seconds):
    raw = os.path.join(session, "raw")
    os.makedirs(raw)
    t0 = 1_000_000_000
    meta = {"format": "profilemate-spool", "pid": 4242, "ppid": 1, "role": "engine_core", "rank": 0, "host": "bench",
            "clock": {"monotonic_ns": t0, "wall_ns": 1_764_400_000_000_000_000}, "python": "3.11",
            "profilers": ["ENABLE_KV_CACHE_TRACKING"], "config": {}}
    w = SpoolWriter(os.path.join(raw, "engine_core-4242.pmspool"), meta, flush_every=10_000)
    w.emit("scheduler_limits", t0, 64, 2048, 1000)
    step_ns = 10_000_000
    records = 1
    for i in range(int(seconds * 100)):
        t = t0 + (i + 1) * step_ns
        free = 1000 - (300 + (i % 600))  # usage 30-90 %: KV never fires
        w.emit("scheduler_step_v3", t, i, 20_000, t - 2_000_000, 50_000, 4, 64, 0, 0, 4, 0, free, 0, 0, 0, 0, 0)
        records += 1
        if i % 5 == 0:
            rid = "req-%d" % i
            w.emit("request_event", t, EV_ARRIVED, 100, 0, 0, rid, "")
            w.emit("request_event", t + 30_000_000, EV_FIRST_TOKEN, 100, 1, 100, rid, "")
            w.emit("request_event", t + 200_000_000, EV_FINISHED, 100, 20, 120, rid, "stop")
            records += 3
        if i % 5000 == 0:
            w.flush()
    w.close()
    return records


def export(session, out, extra):
    t = time.perf_counter()
    subprocess.run([os.path.join(REPO, "profilemate"), "export", session, "--out", out, "--quiet"] + extra,
                   check=True, env=dict(os.environ, PROFILEMATE_PROGRESS="0"))
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1800)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        session = os.path.join(tmp, "session_bench")
        n = write_session(session, a.seconds)
        print("session: %d records, %.0f s at 100 steps/s" % (n, a.seconds))
        export(session, os.path.join(tmp, "warm"), [])  # JIT and page cache warm for both
        on, off = [], []
        for _ in range(a.rounds):
            on.append(export(session, os.path.join(tmp, "on"), []))
            off.append(export(session, os.path.join(tmp, "off"), ["--trigger", "off"]))
        print("export, default rules: " + " ".join("%.2f" % x for x in on) + " s")
        print("export, --trigger off: " + " ".join("%.2f" % x for x in off) + " s")
        print("median ratio rules/off: %.3f" % (statistics.median(on) / statistics.median(off)))


if __name__ == "__main__":
    main()
