"""Writes the golden spools in fixtures/ with the probe's own SpoolWriter.

The engine's tests read these bytes (SpoolFixturesTest); the probe's tests check that this
script still produces exactly the committed bytes. Run: python3 spool-format/make_fixtures.py
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "probe"))
from profilemate_probe.spool import RECORD_HEADER, SpoolWriter  # noqa: E402


def _meta(pid, role, rank):
    return {"format": "profilemate-spool", "pid": pid, "ppid": 1, "role": role, "rank": rank,
            "host": "fixture-host", "clock": {"monotonic_ns": 1_000_000_000, "wall_ns": 1_764_400_000_000_000_000},
            "python": "3.11.7", "profilers": ["ENABLE_KV_CACHE_TRACKING"], "config": {}}


def _steps(w, base, n):
    for i in range(n):
        t = base + i * 10_000_000
        w.emit("scheduler_step", t, i, 50_000 + i, 4, 64 + i, 1, 3, 61 + i, 3, 4, 2, 256, 2048,
               10 + i, 100, (10 + i) / 100.0, 0, 1, 0, 2, 0, 0)
    w.emit("request_event", base + n * 10_000_000, 5, 12, 7, 19, "req-7", "stop")


def write(out):
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith(".pmspool"):
            os.remove(os.path.join(out, f))
    expected = {}

    p = os.path.join(out, "normal.pmspool")
    w = SpoolWriter(p, _meta(101, "engine_core", 0), flush_every=1000)
    _steps(w, 1_100_000_000, 5)
    w.flush()
    _steps(w, 1_200_000_000, 3)
    w.close()
    expected["normal.pmspool"] = {"records": 10, "chunks": 2, "incomplete": False, "closedCleanly": True,
                                  "unknown": 0, "scheduler_step": 8, "request_event": 2}

    p = os.path.join(out, "truncated.pmspool")
    w = SpoolWriter(p, _meta(102, "engine_core", 0), flush_every=1000)
    _steps(w, 1_100_000_000, 4)
    w.flush()
    _steps(w, 1_200_000_000, 4)
    w.close()
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        f.truncate(size - 37)  # cut inside the last chunk, as a crash mid-write would
    expected["truncated.pmspool"] = {"records": 5, "chunks": 1, "incomplete": True, "closedCleanly": False,
                                     "unknown": 0, "scheduler_step": 4, "request_event": 1}

    p = os.path.join(out, "unknown_type.pmspool")
    w = SpoolWriter(p, _meta(103, "worker", 1), flush_every=1000)
    _steps(w, 1_100_000_000, 2)
    future = struct.pack("<qd", 1_150_000_000, 3.5) + b"a record type from a newer probe"
    w._append(RECORD_HEADER.pack(len(future), 999) + future, 1_150_000_000)
    _steps(w, 1_200_000_000, 2)
    w.close()
    expected["unknown_type.pmspool"] = {"records": 6, "chunks": 1, "incomplete": False, "closedCleanly": True,
                                        "unknown": 1, "scheduler_step": 4, "request_event": 2}

    two = os.path.join(out, "two_processes")
    os.makedirs(two, exist_ok=True)
    for f in os.listdir(two):
        os.remove(os.path.join(two, f))
    a = SpoolWriter(os.path.join(two, "api_server-201.pmspool"), _meta(201, "api_server", 0))
    b = SpoolWriter(os.path.join(two, "engine_core-202.pmspool"), _meta(202, "engine_core", 0))
    for i in range(4):
        a.emit("cpu_operation", 1_100_000_000 + i * 20_000_000, 1_000_000, "output_processing", "")
        b.emit("cpu_operation", 1_110_000_000 + i * 20_000_000, 2_000_000, "scheduling", "")
    a.close()
    b.close()
    expected["two_processes"] = {"records": 8, "order": ["api_server", "engine_core"] * 4}

    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "fixtures"))
