#!/usr/bin/env bash
# `profilemate profile --mode full` on an H200 machine with the real nvidia-smi, nsys (the CLI
# bundled with Nsight Compute) and ncu, and a torch stand-in for vLLM (the image has no vLLM).
# Needs, carried in .gpu-check/: profilemate-all.jar, a jlink'd Java runtime pm-jre0.tar.xz, and
# Debian's libdw1/libelf1 debs for nsys's importer (`apt-get download libdw1 libelf1` on Debian 12).
# Results are copied to $OUT.
# NOT RUN YET: written on branch `profile`; the device tool copies the session's main checkout, so
# this runs once the branch is merged (carry .gpu-check: jar ~7 MB, xz'd jlink runtime ~15 MB with
# java.base,java.net.http,java.sql,java.logging,jdk.unsupported at --compress zip-0).
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
here="$repo/bench/gpu/profile_pipeline"
OUT="${OUT:-/tmp/pm-out}"; mkdir -p "$OUT"
tar xJf "$repo/.gpu-check/pm-jre0.tar.xz" -C /tmp
mkdir -p /tmp/pm-libs; for f in "$repo"/.gpu-check/*.deb; do dpkg -x "$f" /tmp/pm-libs; done
ncu_bin="$(command -v ncu || ls -d /opt/nvidia/nsight-compute/*/ncu | sort | tail -1)"
ncu_dir="$(dirname "$ncu_bin")"
export PATH="/tmp/pm-jre0/bin:$ncu_dir:$ncu_dir/host/target-linux-x64:$PATH"
export LD_LIBRARY_PATH="/tmp/pm-libs/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PROFILEMATE_HOME="$repo" PROFILEMATE_PYTHON="$here/python"
export STANDIN_SESSION_FIXTURE="$repo/spool-format/fixtures/session_golden"
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; nsys --version; ncu --version | tail -1; java -version 2>&1 | head -1; } 2>&1 | tee "$OUT/tools.txt"
res=/tmp/pm-res; rm -rf "$res"
java --enable-native-access=ALL-UNNAMED -jar "$repo/.gpu-check/profilemate-all.jar" profile --model standin/torch-decoder \
  --mode full --output-dir "$res" --num-prompts 24 --max-concurrency 4 --prompt-len 64 --output-len 16 \
  --top-kernels 4 --ncu-launch-count 12 --ncu-prompts 2 --startup-timeout 300 --stop-timeout 30 "$@" 2>&1 | tee "$OUT/console.txt"
echo "profile exit status: ${PIPESTATUS[0]}" | tee -a "$OUT/console.txt"
cp "$res/profile_summary.txt" "$OUT/" 2>/dev/null
cp "$res/kernels/nsys.txt" "$OUT/nsys.txt" 2>/dev/null
cp "$res/kernels/ncu.txt" "$OUT/ncu.txt" 2>/dev/null
cat "$res/vllm_server.log" "$res/ncu/vllm_server.log" > "$OUT/server_logs.txt" 2>/dev/null
ls -laR "$res" > "$OUT/files.txt" 2>&1
exit 0
