#!/usr/bin/env bash
# Side-by-side benchmark of `profilemate nsys`'s analysis (Java, NsysAnalyzer) and the same analysis in
# pandas (bench/nsys_pandas.py), on an nsys SQLite export of at least 1,000,000 kernel rows built by
# replicating a real export (bench/make_nsys_bench_db.py). Prints each tool's run times, peak memory,
# the speed ratio, and whether both computed the same figures. Output is also saved under bench/results/.
#
# usage: bench/run_nsys_bench.sh
#   env: MIN_KERNELS=1000000 RUNS=5 XMX=64m WORK=bench/work RESULTS_DIR=bench/results
#        VENV=<python venv with pandas; made under ~/.cache if missing> JAVA_HOME=<JDK/JRE 21+>
#        SKIP_BUILD=1 (use engine/target/profilemate-all.jar and test-classes as they are)
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export MAVEN_OPTS=${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}
SRC=${SRC:-engine/src/test/resources/fixtures/nsys/tinyllama_h200_nsys2025.3_cudagraph-node.sqlite}
MIN_KERNELS=${MIN_KERNELS:-1000000}
RUNS=${RUNS:-5}
XMX=${XMX:-64m}
WORK=${WORK:-bench/work}
VENV=${VENV:-$HOME/.cache/profilemate/bench-venv}
DB=$WORK/nsys_bench_${MIN_KERNELS}.sqlite
RESULTS_DIR=${RESULTS_DIR:-bench/results}
mkdir -p "$WORK" "$WORK/native-tmp" "$RESULTS_DIR"
OUT=$RESULTS_DIR/nsys_bench_$(date -u +%Y%m%dT%H%M%SZ).txt

[ -f "$DB" ] || python3 bench/make_nsys_bench_db.py "$SRC" "$DB" --min-kernels "$MIN_KERNELS"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pandas' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q pandas
fi
[ -n "${SKIP_BUILD:-}" ] || mvn -B -q -f engine/pom.xml package -DskipTests   # the fat jar plus the benchmark main in test-classes
CP=engine/target/test-classes:engine/target/profilemate-all.jar

{
  echo "command: bench/run_nsys_bench.sh  (MIN_KERNELS=$MIN_KERNELS RUNS=$RUNS XMX=$XMX)"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  host: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)   python: $("$VENV/bin/python" --version 2>&1)"
  echo "input: $DB ($(du -m "$DB" | cut -f1) MB), made by bench/make_nsys_bench_db.py from $SRC"
  echo "rows: $(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(', '.join(f'{t.split(\"_\")[-1].lower()} {c.execute(f\"select count(*) from {t}\").fetchone()[0]}' for t in ['CUPTI_ACTIVITY_KIND_KERNEL','CUPTI_ACTIVITY_KIND_RUNTIME','CUPTI_ACTIVITY_KIND_MEMCPY','CUPTI_ACTIVITY_KIND_MEMSET','NVTX_EVENTS']))" "$DB")"
  cat "$DB" > /dev/null   # same warm page cache for both
  echo
  "$JAVA_HOME/bin/java" -Xmx"$XMX" --enable-native-access=ALL-UNNAMED -Dorg.sqlite.tmpdir="$WORK/native-tmp" \
    -cp "$CP" dev.profilemate.kernel.bench.NsysBench "$DB" "$RUNS" | tee "$WORK/java.txt"
  echo
  "$VENV/bin/python" bench/nsys_pandas.py "$DB" "$RUNS" | tee "$WORK/pandas.txt"
  echo
  j=$(awk '/^java best:/ {print $3}' "$WORK/java.txt")
  p=$(awk '/^pandas best:/ {print $3}' "$WORK/pandas.txt")
  j1=$(awk '/^java run 1:/ {print $4}' "$WORK/java.txt")
  p1=$(awk '/^pandas run 1:/ {print $4}' "$WORK/pandas.txt")
  jc=$(awk '/^java best cpu:/ {print $4}' "$WORK/java.txt")
  pc=$(awk '/^pandas best cpu:/ {print $4}' "$WORK/pandas.txt")
  echo "speed (wall): java best ${j} s vs pandas best ${p} s -> $(python3 -c "print(f'{$p/$j:.1f}')")x faster (first runs: ${j1} s vs ${p1} s -> $(python3 -c "print(f'{$p1/$j1:.1f}')")x)"
  echo "speed (cpu):  java best ${jc} s vs pandas best ${pc} s -> $(python3 -c "print(f'{$pc/$jc:.1f}')")x less CPU time"
  echo
  echo "end to end, one cold command each (JVM start + 'profilemate nsys FILE --json', vs Python start + pandas import + one analysis):"
  /usr/bin/time -f "%e %M" -o "$WORK/cli.time" "$JAVA_HOME/bin/java" -Xmx"$XMX" --enable-native-access=ALL-UNNAMED \
    -Dorg.sqlite.tmpdir="$WORK/native-tmp" -jar engine/target/profilemate-all.jar nsys "$DB" --json "$WORK/cli.json" > "$WORK/cli.txt"
  /usr/bin/time -f "%e %M" -o "$WORK/py.time" "$VENV/bin/python" bench/nsys_pandas.py "$DB" 1 > /dev/null
  read -r jw jm < "$WORK/cli.time"
  read -r pw pm < "$WORK/py.time"
  echo "  profilemate nsys: ${jw} s wall, peak RSS $((jm / 1024)) MiB;  pandas script: ${pw} s wall, peak RSS $((pm / 1024)) MiB -> $(python3 -c "print(f'{$pw/$jw:.1f}')")x faster"
  echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  if diff <(grep ' check: ' "$WORK/java.txt" | sed 's/^java //') <(grep ' check: ' "$WORK/pandas.txt" | sed 's/^pandas //') >/dev/null; then
    echo "results: identical check figures (kernel totals, categories, phases, graph time, idle per device)"
  else
    echo "results: DIFFER"; diff <(grep ' check: ' "$WORK/java.txt" | sed 's/^java //') <(grep ' check: ' "$WORK/pandas.txt" | sed 's/^pandas //') || true
  fi
} 2>&1 | tee "$OUT"
echo "saved $OUT"
