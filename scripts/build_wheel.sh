#!/usr/bin/env bash
# Builds the one wheel into dist/: the engine jar (Maven), then profilemate-VERSION-py3-none-any.whl
# holding the probe, the jar, the `profilemate` command and the demo's files (wheel/pyproject.toml).
# The version is versions.properties' release. Prints the wheel's path.
# Python: $PROFILEMATE_PYTHON, else the cached vLLM venv, else python3; it needs setuptools>=70
# (the build does not install anything into it: --no-build-isolation).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-$("$root/scripts/java_home.sh")}"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
py="${PROFILEMATE_PYTHON:-}"
if [ -z "$py" ]; then
  py="$HOME/.cache/profilemate/venv-vllm-$(cat scripts/vllm-version)/bin/python"
  [ -x "$py" ] || py=python3
fi

if [ "${PROFILEMATE_SKIP_JAR:-0}" != 1 ] || [ ! -f engine/target/profilemate-all.jar ]; then
  echo "build_wheel: engine jar (mvn package)" >&2
  mvn -B -q -f engine/pom.xml package -DskipTests >&2
fi

version="$(sed -n 's/^release=//p' probe/profilemate_probe/versions.properties)"
stage="$root/build/wheel"
rm -rf "$stage"
mkdir -p "$stage/profilemate/home/demo" "$stage/profilemate/home/probe/tests" "$stage/profilemate/home/scripts"
sed "s/@VERSION@/$version/" wheel/pyproject.toml >"$stage/pyproject.toml"
cp wheel/README.md "$stage/"
cp wheel/profilemate/*.py "$stage/profilemate/"
cp engine/target/profilemate-all.jar "$stage/profilemate/"
# the demo runs from the repository's layout; no sitecustomize.py here: installed, the plugin attaches
cp demo/run_demo.py "$stage/profilemate/home/demo/"
cp probe/tests/vllm_testbed.py "$stage/profilemate/home/probe/tests/"
cp scripts/vllm-version "$stage/profilemate/home/scripts/"
cp -r probe/profilemate_probe "$stage/"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +

mkdir -p dist
rm -f "dist/profilemate-$version-"*.whl
"$py" -m pip wheel --no-deps --no-build-isolation -q -w dist "$stage" >&2
rm -rf "$stage"
ls "$root/dist/profilemate-$version-"*.whl
