"""bench/overhead.py --quick, the one command behind the probe's overhead figures: it runs every
section and prints one table with every row, each a number where it should be one. Never a timing
threshold: the figures are the bench's to report, this only checks that it measures."""
import json
import math
import os
import subprocess
import sys

from conftest import REPO

BENCH = os.path.join(REPO, "bench", "overhead.py")
# every row a quick run must have
EXPECTED = [
    "scheduler loop demo: us CPU/step, hooks",
    "scheduler loop demo: us CPU/step, hooks + spool thread",
    "scheduler loop demo without the prefix-cache hook: hooks + spool thread",
    "KV hook: get_new_blocks+free_blocks (1 block), ns/call",
    "KV hook: get_new_blocks evicting a cached block+free_blocks, ns/call",
    "KV hook: touch (1 block), ns/call",
    "prefix-cache lookup 512+64 tokens: ns/call",
    "prefix-cache lookup 512+64 again tokens: ns/call",
    "MoE counter on CPU, Mixtral 8 experts top-2, 32 layers x 64 tokens: us/step",
    "spool: out() per record on vLLM's thread, ns",
    "spool thread: ns per record written",
]


def test_quick_run_prints_every_row_with_sane_values(tmp_path):
    out = tmp_path / "rows.json"
    r = subprocess.run([sys.executable, BENCH, "--quick", "--json", str(out)], capture_output=True, text=True,
                       timeout=600, env=dict(os.environ, PYTHONPATH=""))
    assert r.returncode == 0, r.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    names = [row["name"] for row in rows]
    assert sorted(names) == sorted(EXPECTED)
    for row in rows:
        assert row["name"] in r.stdout  # the table has the row
        assert row["on"] is not None and row["on"] > 0, row
        if row["off"] is not None:
            assert row["off"] > 0, row
            assert row["ratio"] > 0 and math.isfinite(row["ratio"]), row
        else:
            assert row["ratio"] is None and row["aa"] is None, row  # an absolute cost: nothing to compare
        if row["aa"] is not None:
            assert row["aa"] > 0 and math.isfinite(row["aa"]), row  # measured, whatever this machine's noise
