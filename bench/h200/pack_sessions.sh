#!/bin/bash
# Runs on the GPU machine after a serve_* stage: packs the named arms' session folders (raw spools
# and metadata) and the driver log as one tar.xz, cut into parts that the device tool brings back
# (at most 8 files of 16 MiB), and drops the stage's own per-run .tgz (all arms at once: too big).
# Usage: bash bench/h200/pack_sessions.sh RUN_NAME ARM...   e.g. s26_serve_moe2b on on-layer
# Join here with: cat RUN.tar.xz.? > RUN.tar.xz && tar -xJf RUN.tar.xz
set -u
run=$1; shift
cd /tmp/sessions || exit 1
dirs=; for a in "$@"; do [ -d ${run}_$a ] && dirs="$dirs ${run}_$a"; done
rm -f "$OUT/$run.tgz"
tar -cf - $dirs $run.driver.log $(ls ${run}_*.log 2>/dev/null) | xz -T0 -6 > /tmp/$run.tar.xz
split -b 15000000 -d -a 1 /tmp/$run.tar.xz "$OUT/$run.tar.xz."
ls -la "$OUT"
