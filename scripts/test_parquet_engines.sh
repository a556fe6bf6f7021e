#!/usr/bin/env bash
# The Parquet dataset on engines past one machine: writes datasets with the built jar (java -jar,
# DuckDB's native library from inside it) -- `export --format parquet` of the golden session, and
# `merge` of it with a second session -- then reads them with PySpark in local mode and with
# DuckDB's Python package (scripts/parquet_engines_check.py): the same rows and count/sum/mean of
# every numeric column per (table, session, rank), equal to the CSVs'. PySpark and DuckDB install
# themselves from PyPI into ~/.cache/profilemate/fleet-venv (scripts/fleet-requirements.txt);
# Spark runs on a JDK 17 or 21 (Spark 4 does not support 25), found under /usr/lib/jvm or given
# as SPARK_JAVA_HOME. ~1 min, most of it Spark's start. PM_PARQUET_CHECK_OUT=FILE keeps every
# aggregate side by side.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${PM_FLEET_VENV:-$HOME/.cache/profilemate/fleet-venv}"
req="$root/scripts/fleet-requirements.txt"
if ! cmp -s "$req" "$venv/requirements.txt" 2>/dev/null; then
  echo "== fleet venv: $(grep -v '^#' "$req" | xargs) from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$req"
  cp "$req" "$venv/requirements.txt"
fi
spark_java="${SPARK_JAVA_HOME:-}"
if [ -z "$spark_java" ]; then
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/java" ] || continue
    m="$("$d/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
    if [ "$m" = 17 ] || [ "$m" = 21 ]; then spark_java="$d"; break; fi
  done
fi
[ -n "$spark_java" ] || { echo "test_parquet_engines: no JDK 17 or 21 for Spark under /usr/lib/jvm; set SPARK_JAVA_HOME" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$root/spool-format/fixtures/session_golden" "$work/session_golden"
cp -r "$root/spool-format/fixtures/session_traced_chunked" "$work/session_traced_chunked"
pm="$root/profilemate"
"$pm" --version >/dev/null # builds the jar on first use
echo "== export --format parquet (java -jar engine/target/profilemate-all.jar)"
"$pm" export "$work/session_golden" --format parquet
"$pm" export "$work/session_traced_chunked" --quiet
echo "== merge of two sessions"
"$pm" merge "$work/merged" "$work/session_golden" "$work/session_traced_chunked"
echo "== PySpark (local mode, $("$spark_java/bin/java" -version 2>&1 | head -1)) and DuckDB over both datasets"
out="${PM_PARQUET_CHECK_OUT:-$work/check.txt}"
status=0
JAVA_HOME="$spark_java" PATH="$spark_java/bin:$PATH" SPARK_LOCAL_IP=127.0.0.1 "$venv/bin/python" \
  "$root/scripts/parquet_engines_check.py" "$work/session_golden/parquet:$work/session_golden" \
  "$work/merged:$work/session_golden,$work/session_traced_chunked" > "$out" || status=$?
grep -E '^/|^spark|aggregates of|DIFFERENT|differ' "$out" || tail -20 "$out"
exit "$status"
