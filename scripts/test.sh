#!/usr/bin/env bash
# Runs every test: the engine (Maven, JUnit) and the probe (pytest, against the real vLLM
# installed from PyPI into a cached venv by scripts/setup_vllm.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export JAVA_HOME="$("$root/scripts/java_home.sh")"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
py="$("$root/scripts/setup_vllm.sh")"
echo "== engine (Maven, $JAVA_HOME)"
mvn -B -f engine/pom.xml verify
echo "== probe (pytest, $py)"
PROFILEMATE_PYTHON="$py" "$py" -m pytest -q probe/tests "$@"
