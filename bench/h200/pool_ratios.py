"""Pools the per-round on/off ratios of several pair runs and bootstraps the median.

Usage: python3 bench/h200/pool_ratios.py RESULTS_PAIRS.jsonl NAME [NAME ...]
(the runs of serve_bench.py --pair to pool, by name; prints median, geometric mean, 95 % CI)
"""
import json
import random
import statistics
import sys


def main(path, names):
    pool = []
    for line in open(path):
        run = json.loads(line)
        if run["name"] in names:
            pool += run["ratios"]
    if not pool:
        raise SystemExit("%s: no run named %s" % (path, ", ".join(names)))
    rng = random.Random(7)
    medians = sorted(statistics.median(rng.choices(pool, k=len(pool))) for _ in range(10000))
    print(json.dumps({"runs": names, "rounds": len(pool), "median": round(statistics.median(pool), 4),
                      "geometric_mean": round(statistics.geometric_mean(pool), 4),
                      "ci95_median": [round(medians[250], 4), round(medians[9750], 4)],
                      "rounds_below_1": sum(r < 1 for r in pool)}))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2:])
