"""Writes a live session with the probe's own spool writer, segments and disk budget, for the
triggered-capture test (test_capture.py): scheduler steps every 10 ms with KV usage at 30 %, a
spike to 97 % for `spike_sec` from `spike_at` seconds, and enough other records (cpu_operation,
200-byte contexts) that 1 MiB segments rotate every second or so and a 4 MiB budget drops them.

Usage: python drive_capture_session.py SESSION_DIR SECONDS SPIKE_AT SPIKE_SEC [BYTES_AFTER]
(it runs at least SECONDS, and on until BYTES_AFTER of records followed the spike by 3 s)
Prints, as JSON on its last line: the anchor and the t_ns and usage of every step it wrote.
"""
import json
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from profilemate_probe.segments import Segments  # noqa: E402
from profilemate_probe.spool import SpoolWriter  # noqa: E402

BLOCKS = 1000


def main(session, seconds, spike_at, spike_sec, bytes_after=0):
    raw = os.path.join(session, "raw")
    os.makedirs(raw, mode=0o700, exist_ok=True)
    start = time.monotonic_ns()
    meta = {"format": "profilemate-spool", "pid": os.getpid(), "ppid": os.getppid(), "role": "engine_core",
            "rank": 0, "host": socket.gethostname(), "clock": {"monotonic_ns": start, "wall_ns": time.time_ns()},
            "python": sys.version.split()[0], "profilers": ["ENABLE_KV_CACHE_TRACKING"], "config": {}}
    # VLLM_PROFILING_SEGMENT_MB=1, VLLM_PROFILING_MAX_DISK_MB=4, as the probe reads them
    segments = Segments.from_config(raw, "engine_core-%d" % os.getpid(), {"SEGMENT_MB": 1, "MAX_DISK_MB": 4})
    w = SpoolWriter(None, meta, flush_every=500, flush_seconds=0.2, segments=segments).start()
    w.emit("scheduler_limits", start, 64, 2048, BLOCKS)  # once, as the probe does: segment 0 alone has it
    steps = []
    step = 0
    last_update = 0
    pad = "x" * 200
    padded_after = 0  # bytes of padding written 3 s past the spike: enough of them makes the budget drop it
    while True:
        t = time.monotonic_ns()
        sec = (t - start) / 1e9
        # on a busy machine fewer steps fit in a second: go on until bytes_after followed the spike
        if sec >= seconds and padded_after >= bytes_after:
            break
        usage = 0.97 if spike_at <= sec < spike_at + spike_sec else 0.30
        free = BLOCKS - int(round(usage * BLOCKS))
        w.emit("scheduler_step_v3", t, step, 20_000, last_update, 50_000, 4, 64, 0, 0, 4, 0, free, 0, 0, 0, 0, 0)
        for i in range(20):
            w.emit("cpu_operation", t + i, 1000, "sampling", pad)
        if sec > spike_at + spike_sec + 3:
            padded_after += 20 * len(pad)
        steps.append([t, round(100.0 * (BLOCKS - free) / BLOCKS, 2)])
        last_update = t + 1000
        step += 1
        time.sleep(0.01)
    w.close()
    print(json.dumps({"start_ns": start, "steps": steps}))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]),
         int(sys.argv[5]) if len(sys.argv) > 5 else 0)
