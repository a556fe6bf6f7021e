"""Every pairwise ratio of an engine_bench.py run, per round, from its recorded passes.

Usage: python3 bench/h200/engine_ratios.py RESULTS.jsonl
Prints, for on/off, aa/off and on/aa: median, 95 % CI of the median (bootstrap), mean, stdev;
for runs at once also the same from each pass's wall time (all arms do the same work, but the
last arm to finish runs its tail without the others, which narrows the differences).
(--together runs of session 7 measured each arm up to its own three-quarters point; for them it
also counts the rounds where that was a window common to all three.)
on/aa compares the two arms that started alike (both loaded the torch.compile cache that the
first arm filled), so an advantage of the first arm cancels there.
"""
import json
import statistics
import sys

from serve_bench import bootstrap_median


def main(path):
    for line in open(path):
        run = json.loads(line)
        if "passes" not in run:
            continue  # the arms' exit codes, written after they stopped
        key = "window_tok_s" if run["mode"] == "engine_together" else "total_tok_s"
        rounds, walls, passes = {}, {}, {}
        for p in run["passes"]:
            rounds.setdefault(p["round"], {})[p["arm"]] = p[key]
            walls.setdefault(p["round"], {})[p["arm"]] = p["wall_s"]
            passes.setdefault(p["round"], []).append(p)
        arms = list(run["arms"])
        full = [r for r in rounds.values() if len(r) == len(arms)]
        print("%s (%s, first started: %s, %d rounds of %d requests)" % (
            run["name"], run["mode"], run.get("first", "off"), len(full), run["requests"]))
        if any("t_three_quarters_s" in p for p in run["passes"]):
            # session 7's runs: each arm's window ended when it had 3/4 of its tokens, which is
            # a common window only while every arm was still running then
            shared = sum(max(p["t_three_quarters_s"] for p in ps) < min(p["wall_s"] for p in ps)
                         for ps in passes.values())
            print("  rounds whose windows all ended while all three arms still ran: %d of %d" % (shared, len(passes)))
        # every arm against "off"; the probe-on arms also against "aa", which started alike
        pairs = [(t, "off") for t in arms if t != "off"]
        pairs += [(t, "aa") for t in arms if "aa" in arms and (t == "on" or t.startswith("on-"))]
        for label, table, invert in ((key, rounds, False), ("whole pass (1 / wall time)", walls, True)):
            if label != key and run["mode"] != "engine_together":
                continue  # in turn, total_tok_s already is the whole pass
            print("  %s:" % label)
            full = [r for r in table.values() if len(r) == len(arms)]
            for a, b in pairs:
                # every arm does the same work in a round: speed is 1 / wall time
                xs = [r[b] / r[a] if invert else r[a] / r[b] for r in full]
                if not xs:
                    continue
                lo, hi = bootstrap_median(xs)
                print("    %s/%s  median %.4f  95%% CI %.4f-%.4f  mean %.4f  stdev %.4f" % (
                    a, b, statistics.median(xs), lo, hi, statistics.mean(xs), statistics.stdev(xs) if len(xs) > 1 else 0.0))


if __name__ == "__main__":
    main(sys.argv[1])
