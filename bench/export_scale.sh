#!/usr/bin/env bash
# issue 23: export time, records/s and peak RSS on sessions of N records (bench/make_session.py, the
# record mix of H100 session 11), with DuckDB computing the same aggregates from the same rows (the
# CSVs the export wrote) in the same run; BASELINE_JAR=older-engine.jar adds that engine on the same
# sessions. Sessions and outputs live under $PM_BENCH_DIR (default /tmp/pm-export-scale), never in
# the repository; a session already there is reused.
#   bash bench/export_scale.sh [N ...]        (default: 1000000 10000000 50000000)
# The new engine runs as users run it: through ./profilemate (its JVM flags). A BASELINE_JAR runs
# with the flags ./profilemate had before it set any GC (BASELINE_FLAGS to change them). Each row
# prints the load average when it ended: other work on the machine shows there.
#   PIN_CPUS=0,1   runs each export and the peer on those CPUs only (taskset): 2 cores of a bigger,
#                  quiet machine; the JVM sizes itself (threads, GC) to them
#   NO_PEER=1      leaves the DuckDB peer out (a machine without it, or without a network to get it)
#   REPEAT=R       runs each engine R times per size, taking turns (new, baseline, new, ...), the DuckDB
#                  peer on the first turn only, then prints each engine's median time: on a shared
#                  machine one run of each says little
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${PM_BENCH_DIR:-/tmp/pm-export-scale}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
VENV=${PM_BENCH_VENV:-$HOME/.cache/profilemate/bench-venv}
SIZES=${*:-1000000 10000000 50000000}
mkdir -p "$WORK"
PIN=(); [ -n "${PIN_CPUS:-}" ] && PIN=(taskset -c "$PIN_CPUS")
if [ -z "${NO_PEER:-}" ]; then
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import duckdb" 2>/dev/null \
    || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q duckdb; }
fi
"$ROOT/profilemate" --version > /dev/null # builds the jar if the sources are newer: not in a timed row
BASELINE_FLAGS=${BASELINE_FLAGS:---enable-native-access=ALL-UNNAMED}
timed() { # prints "seconds peak_rss_kb" of a command (GNU time, else Python's rusage), its output to $WORK/last.log
  if [ -x /usr/bin/time ]; then
    "${PIN[@]}" /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" > "$WORK/last.log" 2>&1 || { cat "$WORK/last.log"; exit 1; }
  else
    "${PIN[@]}" python3 -c 'import resource, subprocess, sys, time
t = time.time(); rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT)
open(sys.argv[1][:-8] + "time.txt", "w").write("%.2f %d\n" % (time.time() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)' "$WORK/last.log" "$@" || { cat "$WORK/last.log"; exit 1; }
  fi
  cat "$WORK/time.txt"
}
PEER_VERSION=none; [ -z "${NO_PEER:-}" ] && PEER_VERSION=$("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')
echo "engine $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '(no git)')$(git -C "$ROOT" diff --quiet HEAD -- engine profilemate 2>/dev/null || echo ' (uncommitted changes, or no git)'), $("${PIN[@]}" nproc) cores${PIN_CPUS:+ (CPUs $PIN_CPUS of $(nproc))}, $("$JAVA" -version 2>&1 | head -1), duckdb $PEER_VERSION"
printf "%-10s %-9s %9s %12s %9s | %9s %7s %9s  %s" records engine export_s records/s rss_MiB duckdb_s ratio csv_rows load_1min
echo
REPEAT=${REPEAT:-1}
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for N in $SIZES; do
  S=$WORK/s$N
  [ -d "$S" ] || python3 "$ROOT/bench/make_session.py" --records "$N" --out "$S" > /dev/null
  TIMES_new=""; TIMES_baseline=""
  for TURN in $(seq "$REPEAT"); do
    for E in new ${BASELINE_JAR:+baseline}; do
      O=$WORK/out$N-$E; rm -rf "$O"
      if [ "$E" = baseline ]; then
        # shellcheck disable=SC2086
        read -r SEC RSS < <(timed "$JAVA" $BASELINE_FLAGS -jar "$BASELINE_JAR" export "$S" --out "$O")
      else
        read -r SEC RSS < <(timed "$ROOT/profilemate" export "$S" --out "$O")
      fi
      REC=$(grep -o 'exported [0-9]* records' "$WORK/last.log" | grep -o '[0-9]*')
      if [ "$E" = new ]; then TIMES_new="$TIMES_new $SEC"; else TIMES_baseline="$TIMES_baseline $SEC"; fi
      DSEC=nan; ROWS=0
      [ -z "${NO_PEER:-}" ] && [ "$TURN" = 1 ] && read -r DSEC ROWS < <("${PIN[@]}" "$VENV/bin/python" "$ROOT/bench/duckdb_peer.py" "$O")
      awk -v rec="$REC" -v e="$E" -v sec="$SEC" -v rss="$RSS" -v dsec="$DSEC" -v rows="$ROWS" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
        'BEGIN { printf "%-10s %-9s %9.2f %12.0f %9.0f | %9s %7s %9d  %s\n", rec, e, sec, rec / sec, rss / 1024,
          dsec == "nan" ? "-" : sprintf("%.2f", dsec), dsec == "nan" ? "-" : sprintf("%.2f", sec / dsec), rows, load }'
    done
    [ -n "${BASELINE_JAR:-}" ] && { diff -r -q "$WORK/out$N-new" "$WORK/out$N-baseline" > /dev/null \
      && echo "           outputs of both engines byte-identical" || echo "           OUTPUTS DIFFER"; }
  done
  if [ "$REPEAT" -gt 1 ]; then
    MNEW=$(echo "$TIMES_new" | median)
    if [ -n "${BASELINE_JAR:-}" ]; then
      MBASE=$(echo "$TIMES_baseline" | median)
      awk -v r="$REPEAT" -v rec="$REC" -v n="$MNEW" -v b="$MBASE" 'BEGIN { printf "%-10s median of %d: new %.2f s (%.0f records/s), baseline %.2f s (%.0f records/s), baseline/new time %.2f\n", rec, r, n, rec / n, b, rec / b, b / n }'
    else
      awk -v r="$REPEAT" -v rec="$REC" -v n="$MNEW" 'BEGIN { printf "%-10s median of %d: new %.2f s (%.0f records/s)\n", rec, r, n, rec / n }'
    fi
  fi
done
echo "ratio: export time / DuckDB time over the CSVs the export wrote (DuckDB uses every core; the export two threads: reading, and aggregating and writing)"
