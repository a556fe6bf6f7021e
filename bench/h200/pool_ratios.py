"""Pools the per-round on/off ratios of several pair runs and bootstraps the median.

Usage: python3 bench/h200/pool_ratios.py [--steady] RESULTS_PAIRS.jsonl NAME [NAME ...]
(the runs of serve_bench.py --pair to pool, by name; prints median, geometric mean, 95 % CI;
--steady: the ratios of steady-state throughput, where the runs recorded them)
"""
import json
import random
import statistics
import sys


def main(path, names, key="ratios"):
    pool = []
    for line in open(path):
        run = json.loads(line)
        if run["name"] in names:
            pool += run.get(key, [])
    if not pool:
        raise SystemExit("%s: no run named %s" % (path, ", ".join(names)))
    rng = random.Random(7)
    medians = sorted(statistics.median(rng.choices(pool, k=len(pool))) for _ in range(10000))
    print(json.dumps({"runs": names, "ratios": key, "rounds": len(pool), "median": round(statistics.median(pool), 4),
                      "geometric_mean": round(statistics.geometric_mean(pool), 4),
                      "ci95_median": [round(medians[250], 4), round(medians[9750], 4)],
                      "rounds_below_1": sum(r < 1 for r in pool)}))


if __name__ == "__main__":
    args = sys.argv[1:]
    key = "steady_ratios" if args[:1] == ["--steady"] else "ratios"
    args = args[1:] if key == "steady_ratios" else args
    if len(args) < 2:
        raise SystemExit(__doc__)
    main(args[0], args[1:], key)
