#!/usr/bin/env bash
# vLLM's own scheduler and KV-cache tests (from the pinned release's sdist on PyPI), run probe
# off and probe on: the per-test outcomes must be identical. Usage:
#   scripts/vllm_core_tests.sh [--tests FILE_OR_NODE...] [--keep] [-- PYTEST_ARGS...]
# See scripts/vllm_core_tests.py.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$("$here/setup_vllm.sh")"
exec "$py" "$here/vllm_core_tests.py" "$@"
