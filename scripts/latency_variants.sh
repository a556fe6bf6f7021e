#!/usr/bin/env bash
# The demo's latency variants (demo/run_demo.py VARIANTS: queue, prefill, preemption), each run on
# vLLM's real scheduler under the probe by `profilemate demo --variant` (session files and report); prints each session's "why" lines from
# latency_summary.json (docs/latency.md quotes them). Usage: scripts/latency_variants.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$(mktemp -d)}"
py="${PROFILEMATE_PYTHON:-python3}"
for v in queue prefill preemption; do
  PROFILEMATE_PYTHON="$py" "$here/profilemate" demo --variant "$v" --out "$out/$v" 2>/dev/null >/dev/null
  session="$(ls -d "$out/$v"/session_* | tail -1)"
  "$py" - "$session" "$v" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + "/latency_summary.json"))
print("== %s: %s" % (sys.argv[2], sys.argv[1]))
for kind in ("ttft", "itl"):
    for p in ("p50", "p90", "p99"):
        b = s[kind].get(p)
        if b:
            parts = ", ".join("%s %.2f" % (k, v) for k, v in b["parts_ms"].items())
            print("%s %s: %.2f ms (%s ms) -> %s [%s]: %s" % (kind.upper(), p, b["mean_ms"], parts, b["dominant"],
                                                         b["dominant_cause"], b["why"]))
PY
done
