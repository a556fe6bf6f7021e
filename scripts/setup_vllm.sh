#!/usr/bin/env bash
# Creates (once) a cached virtual environment with the pinned vLLM release from PyPI and
# prints its python. Reused when present. Usage: scripts/setup_vllm.sh [VERSION]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${1:-$(cat "$here/vllm-version")}"
cache="${PROFILEMATE_CACHE:-$HOME/.cache/profilemate}"
venv="$cache/venv-vllm-$version"
py="$venv/bin/python"
if [ -x "$py" ] && "$py" -c "import vllm, pytest; assert vllm.__version__.startswith('$version')" >/dev/null 2>&1; then
  echo "$py"; exit 0
fi
base_python="${PROFILEMATE_BASE_PYTHON:-python3}"
mkdir -p "$cache"
echo "setup_vllm: installing vllm==$version into $venv (several GB on first run)..." >&2
rm -rf "$venv"
"$base_python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "vllm==$version" pytest >&2
"$py" -c "import vllm; print('setup_vllm: vllm', vllm.__version__, file=__import__('sys').stderr)"
echo "$py"
