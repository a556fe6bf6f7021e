#!/usr/bin/env bash
# issue 23: `profilemate report` time and peak RSS on exported sessions of N records
# (bench/make_session.py, the record mix of H100 session 11, exported by this engine), with the
# same on BASELINE_JAR=older-engine.jar in the same run, and whether both wrote the same bytes.
# Sessions, reports and logs live under $PM_BENCH_DIR (default /tmp/pm-report-scale), never in the
# repository. The session for N is, in this order: $PM_BENCH_DIR/r$N when there; else a copy of
# $PM_EXPORTED_DIR/out$N-new (bench/export_scale.sh's export; never written into); else
# $PM_BENCH_DIR/s$N (generated when missing) exported into $PM_BENCH_DIR/r$N.
# Reports are written beside, with --out, so the session folders are only read.
# A run that fails (the baseline runs out of memory on long sessions) is printed with its exit
# status and the last line it wrote; the run goes on. BASELINE_TIMEOUT (s, default 1800) bounds it.
#   bash bench/report_scale.sh [N ...]        (default: 1000000 10000000 50000000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${PM_BENCH_DIR:-/tmp/pm-report-scale}
EXPORTED=${PM_EXPORTED_DIR:-$WORK}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAR=$ROOT/engine/target/profilemate-all.jar
SIZES=${*:-1000000 10000000 50000000}
mkdir -p "$WORK"
[ -f "$JAR" ] || mvn -B -q -f "$ROOT/engine/pom.xml" package -DskipTests
# the jars are copied: a build during the run (other engineers share the machine) must not swap them
cp "$JAR" "$WORK/new.jar"
[ -n "${BASELINE_JAR:-}" ] && cp "$BASELINE_JAR" "$WORK/baseline.jar"
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "engine $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- engine || echo '+changes')," \
  "$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $("$JAVA" -version 2>&1 | head -1)"
printf "%-10s %-9s %9s %9s %11s  %s\n" records engine report_s rss_MiB html_bytes "load before -> after (1/5/15 min)"
for N in $SIZES; do
  S=$WORK/r$N
  if [ ! -d "$S" ]; then
    if [ -d "$EXPORTED/out$N-new" ]; then
      cp -a "$EXPORTED/out$N-new" "$S.tmp"
    else
      [ -d "$WORK/s$N" ] || python3 "$ROOT/bench/make_session.py" --records "$N" --out "$WORK/s$N" > /dev/null
      "$JAVA" -jar "$WORK/new.jar" export "$WORK/s$N" --out "$S.tmp" > "$WORK/export$N.log" 2>&1
    fi
    rm -f "$S.tmp/profile_report.html"
    mv "$S.tmp" "$S"
  fi
  REC=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["session"]["records"])' "$S/metadata.json" \
    2>/dev/null || echo "$N")
  for E in new ${BASELINE_JAR:+baseline}; do
    O=$WORK/report$N-$E.html; rm -f "$O"
    BEFORE=$(load)
    LIMIT=0; [ "$E" = baseline ] && LIMIT=${BASELINE_TIMEOUT:-1800}
    set +e
    rm -f "$WORK/time.txt"
    timeout "$LIMIT" /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$JAVA" -jar "$WORK/$E.jar" report "$S" --out "$O" \
      > "$WORK/report$N-$E.log" 2>&1
    RC=$?
    set -e
    if [ "$RC" -eq 0 ]; then
      read -r SEC RSS < "$WORK/time.txt"
      printf "%-10s %-9s %9.2f %9.0f %11d  %s -> %s\n" "$REC" "$E" "$SEC" "$(echo "$RSS / 1024" | bc -l)" \
        "$(stat -c %s "$O")" "$BEFORE" "$(load)"
    else
      # GNU time still writes its figures after a failed command (not after timeout's kill)
      read -r SEC RSS < <(tail -1 "$WORK/time.txt" 2>/dev/null | grep -E '^[0-9.]+ [0-9]+$' || echo "- -")
      printf "%-10s %-9s failed (exit %d%s) after %s s, peak %s KiB: %s  %s -> %s\n" "$REC" "$E" "$RC" \
        "$([ "$RC" -eq 124 ] && echo ", over ${LIMIT} s")" "$SEC" "$RSS" \
        "$(grep -v '^\s*at ' "$WORK/report$N-$E.log" | tail -1 | cut -c1-120)" "$BEFORE" "$(load)"
    fi
  done
  if [ -n "${BASELINE_JAR:-}" ] && [ -f "$WORK/report$N-new.html" ] && [ -f "$WORK/report$N-baseline.html" ]; then
    cmp -s "$WORK/report$N-new.html" "$WORK/report$N-baseline.html" \
      && echo "           reports of both engines byte-identical" || echo "           REPORTS DIFFER"
  fi
done
echo "rss: peak resident set of the whole JVM (GNU time %M); report_s: wall time, one report each"
