#!/usr/bin/env bash
# Runs every test: the engine (Maven, JUnit; the OTLP tests against a real OpenTelemetry
# Collector that scripts/install_otelcol.sh builds from Go modules once), the Parquet dataset read by PySpark
# and DuckDB (scripts/test_parquet_engines.sh: a venv from PyPI, once; PROFILEMATE_SKIP_PARQUET_ENGINES_TEST=1
# skips it), the wheel from nothing (scripts/test_wheel.sh: pip
# install into a fresh venv with no Java, the demo through it; PROFILEMATE_SKIP_WHEEL_TEST=1 skips
# it), the probe (pytest, against the real vLLM
# installed from PyPI into a cached venv by scripts/setup_vllm.sh), then vLLM's own scheduler
# and KV-cache tests probe off and probe on (scripts/vllm_core_tests.sh, ~10 min on 2 cores;
# PROFILEMATE_SKIP_VLLM_CORE_TESTS=1 skips them). Arguments go to the probe's pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export JAVA_HOME="$("$root/scripts/java_home.sh")"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
py="$("$root/scripts/setup_vllm.sh")"
echo "== the OpenTelemetry Collector the OTLP tests send to (scripts/install_otelcol.sh: Go modules, built once)"
otelcol="$("$root/scripts/install_otelcol.sh")"
echo "== engine (Maven, $JAVA_HOME)"
mvn -B -f engine/pom.xml verify -Dprofilemate.otelcol="$otelcol"
if [ "${PROFILEMATE_SKIP_PARQUET_ENGINES_TEST:-0}" = 1 ]; then
  echo "== the Parquet dataset in PySpark and DuckDB: skipped (PROFILEMATE_SKIP_PARQUET_ENGINES_TEST=1)"
else
  echo "== the Parquet dataset in PySpark (local) and DuckDB, equal to the CSVs (scripts/test_parquet_engines.sh)"
  bash scripts/test_parquet_engines.sh
fi
if [ "${PROFILEMATE_SKIP_WHEEL_TEST:-0}" = 1 ]; then
  echo "== the wheel from nothing: skipped (PROFILEMATE_SKIP_WHEEL_TEST=1)"
else
  echo "== the wheel from nothing: build, install with no Java, demo (scripts/test_wheel.sh)"
  PROFILEMATE_PYTHON="$py" PROFILEMATE_SKIP_JAR=1 bash scripts/test_wheel.sh
fi
# the live-metrics tests scrape with a real Prometheus server (Debian's package); they skip without
# it, except under CI=true, where they fail
bash "$root/scripts/install_prometheus.sh" || echo "== prometheus not installed: the live-metrics tests will skip"
echo "== probe (pytest, $py)"
PROFILEMATE_PYTHON="$py" "$py" -m pytest -q probe/tests "$@"
if [ "${PROFILEMATE_SKIP_VLLM_CORE_TESTS:-0}" = 1 ]; then
  echo "== vLLM's own scheduler and KV-cache tests: skipped (PROFILEMATE_SKIP_VLLM_CORE_TESTS=1)"
else
  echo "== vLLM's own scheduler and KV-cache tests, probe off and on ($py)"
  "$py" scripts/vllm_core_tests.py
fi
