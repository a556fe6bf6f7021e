#!/usr/bin/env bash
# SPEC §3: profile a vLLM model end to end; a thin wrapper over `profilemate profile`.
#   ./scripts/profile_vllm.sh --model M --mode quick|full|moe [--with-ncu] [--output-dir D] [more profile options]
# Every argument is passed through unchanged; `./profilemate profile --help` lists them all.
# PROFILEMATE may name another launcher (tests use this); the default is the repository's ./profilemate.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "${PROFILEMATE:-$here/profilemate}" profile "$@"
