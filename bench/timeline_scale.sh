#!/usr/bin/env bash
# bash bench/timeline_scale.sh [RECORDS...]   (default 1000000)
# The size bound of `profilemate timeline` (docs/timeline.md): for a synthetic session of RECORDS
# records (bench/make_session.py, the H100 session-11 record mix), the trace with the default cap
# (--max-events 1000000) and uncapped, side by side: events, bytes, seconds, peak RSS, and where the
# cap stopped the trace. Prints the machine's load: on a shared machine the times are noisy.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${PM_BENCH_DIR:-/tmp/pm-timeline-scale}
PY=${PROFILEMATE_PYTHON:-python3}
SIZES=${*:-1000000}
mkdir -p "$WORK"
"$ROOT/profilemate" --version > /dev/null # builds the jar if the sources are newer: not in a timed row
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)  cores: $(nproc)"
printf '%-10s %-22s %12s %14s %9s %10s  %s\n' records run events bytes seconds rss_mib note
for n in $SIZES; do
  s="$WORK/session_$n"
  [ -d "$s/raw" ] || PYTHONPATH="$ROOT/probe" "$PY" "$ROOT/bench/make_session.py" --records "$n" --out "$s" > /dev/null
  for cap in 1000000 1000000000; do
    out="$WORK/t_${n}_$cap.perfetto-trace"
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$ROOT/profilemate" timeline "$s" --out "$out" --max-events "$cap" \
      > "$WORK/out.txt" 2> "$WORK/err.txt" || { cat "$WORK/err.txt"; exit 1; }
    read -r secs rss < "$WORK/time.txt"
    events=$(sed -n 's/.*(\([0-9]*\) events).*/\1/p' "$WORK/out.txt")
    note=$(grep -o 'stopped at [0-9]* events, [0-9.]* s into the session' "$WORK/err.txt" || echo "whole session")
    label=$([ "$cap" = 1000000 ] && echo "default cap (1M events)" || echo "uncapped")
    printf '%-10s %-22s %12s %14s %9s %10s  %s\n' "$n" "$label" "$events" "$(stat -c %s "$out")" "$secs" \
      "$((rss / 1024))" "$note"
    rm -f "$out"
  done
done
