#!/usr/bin/env bash
# What the latency decomposition (LatencyParts) costs an export: the same session exported by a
# jar built without it (BASE_JAR, e.g. from the commit before it) and by this checkout's jar,
# interleaved ROUNDS times; prints each run's wall and user time and max RSS, then the medians,
# and checks that every file both write is byte-identical.
# Usage: bench/latency_parts_cost.sh BASE_JAR SESSION [ROUNDS]
# (a session: python bench/make_session.py --records 2000000 --out /tmp/big/session_20261206_000000)
set -euo pipefail
base="$1"; session="$2"; rounds="${3:-5}"
here="$(cd "$(dirname "$0")/.." && pwd)"
mine="$here/engine/target/profilemate-all.jar"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for i in $(seq "$rounds"); do
  for w in base mine; do
    jar="$base"; [ "$w" = mine ] && jar="$mine"
    rm -rf "$out/$w"
    /usr/bin/time -f "$w %e %U %M" -a -o "$out/times" java -jar "$jar" export "$session" --out "$out/$w" --quiet
  done
done
python3 - "$out/times" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l.split()[0] in ("base", "mine")]
for w in ("base", "mine"):
    r = [x for x in rows if x[0] == w]
    print("%s: wall %s s; user %s s; max RSS %s MB" % (w, " ".join(x[1] for x in r), " ".join(x[2] for x in r),
                                                        " ".join(str(int(x[3]) // 1024) for x in r)))
med = {w: statistics.median(float(x[1]) for x in rows if x[0] == w) for w in ("base", "mine")}
print("median wall: base %.2f s, mine %.2f s (%.2fx)" % (med["base"], med["mine"], med["mine"] / med["base"]))
PY
for f in "$out/base"/*; do
  [ -f "$f" ] && { cmp -s "$f" "$out/mine/$(basename "$f")" || echo "DIFFERS: $(basename "$f")"; }
done
echo "only in mine: $(cd "$out/mine" && ls | grep -v -x -F -f <(ls "$out/base") | tr '\n' ' ')"
