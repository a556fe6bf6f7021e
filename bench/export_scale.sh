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
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${PM_BENCH_DIR:-/tmp/pm-export-scale}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
VENV=${PM_BENCH_VENV:-$HOME/.cache/profilemate/bench-venv}
SIZES=${*:-1000000 10000000 50000000}
mkdir -p "$WORK"
[ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import duckdb" 2>/dev/null \
  || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q duckdb; }
"$ROOT/profilemate" --version > /dev/null # builds the jar if the sources are newer: not in a timed row
BASELINE_FLAGS=${BASELINE_FLAGS:---enable-native-access=ALL-UNNAMED}
timed() { # prints "seconds peak_rss_kb" of a command (GNU time), its output to $WORK/last.log
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" > "$WORK/last.log" 2>&1 || { cat "$WORK/last.log"; exit 1; }
  cat "$WORK/time.txt"
}
echo "engine $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- engine profilemate || echo ' (uncommitted changes)'), $(nproc) cores, $("$JAVA" -version 2>&1 | head -1), duckdb $("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')"
printf "%-10s %-9s %9s %12s %9s | %9s %7s %9s  %s" records engine export_s records/s rss_MiB duckdb_s ratio csv_rows load_1min
echo
for N in $SIZES; do
  S=$WORK/s$N
  [ -d "$S" ] || python3 "$ROOT/bench/make_session.py" --records "$N" --out "$S" > /dev/null
  for E in new ${BASELINE_JAR:+baseline}; do
    O=$WORK/out$N-$E; rm -rf "$O"
    if [ "$E" = baseline ]; then
      # shellcheck disable=SC2086
      read -r SEC RSS < <(timed "$JAVA" $BASELINE_FLAGS -jar "$BASELINE_JAR" export "$S" --out "$O")
    else
      read -r SEC RSS < <(timed "$ROOT/profilemate" export "$S" --out "$O")
    fi
    REC=$(grep -o 'exported [0-9]* records' "$WORK/last.log" | grep -o '[0-9]*')
    read -r DSEC ROWS < <("$VENV/bin/python" "$ROOT/bench/duckdb_peer.py" "$O")
    printf "%-10s %-9s %9.2f %12.0f %9.0f | %9.2f %7.2f %9d  %s\n" "$REC" "$E" "$SEC" "$(echo "$REC / $SEC" | bc -l)" \
      "$(echo "$RSS / 1024" | bc -l)" "$DSEC" "$(echo "$SEC / $DSEC" | bc -l)" "$ROWS" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  [ -n "${BASELINE_JAR:-}" ] && { diff -r -q "$WORK/out$N-new" "$WORK/out$N-baseline" > /dev/null \
    && echo "           outputs of both engines byte-identical" || echo "           OUTPUTS DIFFER"; }
done
echo "ratio: export time / DuckDB time over the CSVs the export wrote (DuckDB uses every core; the export one thread)"
