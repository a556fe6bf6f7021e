"""GPU forward time per benchmark pass, from a session's forward_pass_timing.csv (CUDA events).

Usage: python3 bench/h200/pass_gpu_time.py FORWARD_PASS_TIMING.csv[.gz] [CAPTURE_MAX]
Passes are the runs of steps between gaps of more than 2 s. Per pass: its span, steps, GPU
forward time in all, the part in steps of at most CAPTURE_MAX (128) tokens (CUDA graph
replays) and in larger ones (no graph: their kernels are launched one by one from Python, so
a slower CPU shows in their GPU time as gaps between kernels), with the larger steps' time
per token. Passes of the same work that differ in the last figure differ in CPU speed.
"""
import csv
import gzip
import sys


def main(path, capture_max=128):
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        rows = [(float(r["timestamp_sec"]), int(r["num_tokens"]), float(r["forward_time_ms"])) for r in csv.DictReader(f)]
    passes, cur = [], [rows[0]]
    for a, b in zip(rows, rows[1:]):
        if b[0] - a[0] > 2:
            passes.append(cur)
            cur = []
        cur.append(b)
    passes.append(cur)
    print("start_s  span_s  steps  gpu_s  graph_sized_s  larger_s  larger_ms_per_token")
    for p in passes:
        small = sum(ms for _, n, ms in p if n <= capture_max) / 1000
        large = [(n, ms) for _, n, ms in p if n > capture_max]
        large_s = sum(ms for _, ms in large) / 1000
        per_tok = sum(ms for _, ms in large) / max(1, sum(n for n, _ in large))
        print("%7.1f  %6.2f  %5d  %5.2f  %13.2f  %8.2f  %19.4f" % (
            p[0][0], p[-1][0] - p[0][0], len(p), small + large_s, small, large_s, per_tok))


if __name__ == "__main__":
    main(sys.argv[1], *(int(x) for x in sys.argv[2:3]))
