#!/usr/bin/env bash
# Regenerates the report's screenshots at 1280 px in docs/: report-1280.png (the top of the page,
# 1280x900, what a laptop window shows first), report-1280-full.png (the whole page) and
# demo-report.png (its first 2,400 px, the README's picture). All are
# of a fresh `profilemate demo` session's report (vLLM's real scheduler on the CPU), taken by
# headless Chromium in a 1280 px wide window; the whole page is cropped below its last row and
# stored with a 256-colour palette, so each file stays under 1 MB.
# Needs: Chromium (scripts/install_chromium.sh) and the vLLM venv (scripts/setup_vllm.sh; its
# Python, with Pillow, crops and packs the PNGs).
# Usage: bash scripts/report_screenshots.sh [SESSION_DIR]   (a session folder: skip the demo run)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chromium="${PROFILEMATE_CHROMIUM:-/usr/bin/chromium}"
py="${PROFILEMATE_PYTHON:-${PROFILEMATE_CACHE:-$HOME/.cache/profilemate}/venv-vllm-$(cat "$root/scripts/vllm-version")/bin/python}"
[ -x "$chromium" ] || { echo "report_screenshots: $chromium is missing: run scripts/install_chromium.sh" >&2; exit 1; }
[ -x "$py" ] || { echo "report_screenshots: $py is missing: run scripts/setup_vllm.sh" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ $# -ge 1 ]; then
  session="$1"
  "$root/profilemate" report "$session" --out "$work/profile_report.html" >/dev/null
  html="$work/profile_report.html"
else
  if ! "$root/profilemate" demo --out "$work/demo" >"$work/demo.log" 2>&1; then
    cat "$work/demo.log" >&2
    echo "report_screenshots: the demo failed" >&2
    exit 1
  fi
  html="$(ls "$work"/demo/session_*/profile_report.html | head -1)"
fi

# One window per shot: Chromium's --screenshot takes the window. The tall one holds the whole page;
# the empty part below the footer is cropped off. The charts draw on load (no animation).
shoot() {
  "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --disable-dev-shm-usage --no-first-run --disable-background-networking --disable-component-update \
    --virtual-time-budget=10000 --window-size="1280,$2" --screenshot="$1" "file://$html" >/dev/null 2>&1
  [ -s "$1" ] || { echo "report_screenshots: Chromium wrote no $1" >&2; exit 1; }
}
shoot "$work/top.png" 900
shoot "$work/tall.png" 20000

"$py" - "$work/top.png" "$work/tall.png" "$root/docs" <<'PY'
import sys
from PIL import Image, ImageChops

top, tall, docs = sys.argv[1:4]
LIMIT = 1_000_000


def pack(img, out):
    """A 256-colour palette keeps text and charts sharp at a fraction of the size."""
    img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
        .save(out, optimize=True)


pack(Image.open(top), f"{docs}/report-1280.png")
page = Image.open(tall).convert("RGB")
# the page ends at the last row that differs from the blank window below it
blank = Image.new("RGB", page.size, page.getpixel((page.width - 1, page.height - 1)))
box = ImageChops.difference(page, blank).getbbox()
page = page.crop((0, 0, page.width, (box[3] if box else page.height) + 16))
pack(page, f"{docs}/report-1280-full.png")
# the README's picture: recommendations and the slow requests, the first 2,400 px
pack(page.crop((0, 0, page.width, min(page.height, 2400))), f"{docs}/demo-report.png")
import os
for name in ("report-1280.png", "report-1280-full.png", "demo-report.png"):
    size = os.path.getsize(f"{docs}/{name}")
    print(f"docs/{name}: {Image.open(f'{docs}/{name}').size[0]}x{Image.open(f'{docs}/{name}').size[1]}, {size:,} bytes")
    if size > LIMIT:
        sys.exit(f"report_screenshots: docs/{name} is over {LIMIT:,} bytes")
PY
