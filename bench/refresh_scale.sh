#!/usr/bin/env bash
# issue 23 item 2: what a collect refresh costs as the session grows. Per size N: the whole export
# (time, records/s), a first collect (the collector reads the session from the start and writes its
# checkpoint), then +1 % new records (make_session.py --add-engine: a second EngineCore's spool) and a
# collect restarted from the checkpoint (timed: JVM start, the refresh that reads the new 1 %, and the
# final refresh collect makes once no process runs), with its peak RSS; a collect with nothing new
# (the fixed cost); and the check that the collector's files are byte-identical to a whole export of
# the same spools. Bases are the sessions of bench/export_scale.sh ($PM_BASE_DIR/sN, default
# /tmp/pmb), hard-linked read-only into $PM_BENCH_DIR (default /tmp/pm-refresh-scale), never written;
# a base that is absent is generated there. PM_JAR= runs another build of the engine. collect runs
# with --max-wait 0.01: the bench pids are made up, and one may belong to a live process here.
#   bash bench/refresh_scale.sh [N ...]        (default: 1000000 10000000 50000000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${PM_BENCH_DIR:-/tmp/pm-refresh-scale}
BASES=${PM_BASE_DIR:-/tmp/pmb}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAR=${PM_JAR:-$ROOT/engine/target/profilemate-all.jar}
PY=${PROFILEMATE_PYTHON:-python3}
SIZES=${*:-1000000 10000000 50000000}
mkdir -p "$WORK"
[ -f "$JAR" ] || mvn -B -q -f "$ROOT/engine/pom.xml" package -DskipTests
timed() { # prints "seconds peak_rss_kb" of a command (GNU time), its output to $WORK/last.log
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" > "$WORK/last.log" 2>&1 || { cat "$WORK/last.log"; exit 1; }
  cat "$WORK/time.txt"
}
echo "engine $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- engine || echo +changes), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$JAVA" -version 2>&1 | head -1)"
printf "%-10s %9s %11s | %9s | %8s %9s %9s %8s | %s\n" records export_s records/s first_s new_recs refresh_s rss_MiB idle_s identical
for N in $SIZES; do
  BASE=$BASES/s$N
  if [ ! -d "$BASE/raw" ]; then
    BASE=$WORK/base$N
    [ -d "$BASE/raw" ] || "$PY" "$ROOT/bench/make_session.py" --records "$N" --out "$BASE" > /dev/null
  fi
  S=$WORK/session_s$N; rm -rf "$S" "$WORK/export$N" "$WORK/verify$N"; mkdir -p "$S/raw"
  ln "$BASE"/raw/* "$S/raw/" 2>/dev/null || cp "$BASE"/raw/* "$S/raw/"
  read -r XSEC _ < <(timed "$JAVA" -jar "$JAR" export "$S" --out "$WORK/export$N")
  REC=$(grep -o 'exported [0-9]* records' "$WORK/last.log" | grep -o '[0-9]*')
  rm -rf "$WORK/export$N"
  read -r FSEC _ < <(timed "$JAVA" -jar "$JAR" collect "$S" --interval 0.01 --max-wait 0.01)
  "$PY" "$ROOT/bench/make_session.py" --records $((N / 100)) --out "$S" --add-engine 2142 > /dev/null
  read -r RSEC RSS < <(timed "$JAVA" -jar "$JAR" collect "$S" --interval 0.01 --max-wait 0.01)
  grep -q "from the start\|whole" "$WORK/last.log" && { echo "collect fell back:"; cat "$WORK/last.log"; }
  read -r ISEC _ < <(timed "$JAVA" -jar "$JAR" collect "$S" --interval 0.01 --max-wait 0.01)
  timed "$JAVA" -jar "$JAR" export "$S" --out "$WORK/verify$N" > /dev/null
  NEW=$(( $(grep -o 'exported [0-9]* records' "$WORK/last.log" | grep -o '[0-9]*') - REC ))
  SAME=yes
  diff -r -q -x raw -x .collect-checkpoint "$S" "$WORK/verify$N" > "$WORK/diff$N.txt" || SAME="NO (see $WORK/diff$N.txt)"
  printf "%-10s %9.2f %11.0f | %9.2f | %8d %9.2f %9.0f %8.2f | %s\n" "$REC" "$XSEC" "$(echo "$REC / $XSEC" | bc -l)" \
    "$FSEC" "$NEW" "$RSEC" "$(echo "$RSS / 1024" | bc -l)" "$ISEC" "$SAME"
  rm -rf "$WORK/verify$N" "$S"/*.csv "$S"/moe_expert_tracking
done
echo "export_s: whole export; first_s: collect reading the session from the start; refresh_s: collect restarted from"
echo "its checkpoint after +new_recs records (JVM start + the refresh + collect's final refresh), rss_MiB its peak;"
echo "idle_s: the same with nothing new; identical: the collector's files vs a whole export of the same spools"
