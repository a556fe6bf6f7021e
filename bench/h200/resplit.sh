#!/bin/bash
# Re-cuts the carried parts (.h200x/pN site, .h200x/jN Java runtime, .h200x/wN wheels) to the size the working tree
# leaves now (part_size.sh): committed results grow the tree, and a part that no longer fits is
# refused by the device tool. The joined bytes, and so the .sha files, do not change. Also copies
# the device-side scripts into .h200x/bin again, so they match the checkout.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${1:-$(cd "$HERE/../.." && pwd)}
. "$HERE/part_size.sh"
for k in p j w; do
  ls "$REPO"/.h200x/$k[0-9]* >/dev/null 2>&1 || continue
  t=$(mktemp)
  cat $(ls "$REPO"/.h200x/$k[0-9]* | sort -V) > "$t"
  rm -f "$REPO"/.h200x/$k[0-9]*
  split -b $part -d -a 1 "$t" "$REPO/.h200x/$k"
  echo "$k: $(sha256sum < "$t" | cut -c1-16)… in $(ls "$REPO"/.h200x/$k[0-9]* | wc -l) parts of at most $part bytes"
  rm -f "$t"
done
cp "$HERE"/{device_run.sh,serve_bench.py,engine_bench.py,make_models.py} "$REPO/.h200x/bin/"
