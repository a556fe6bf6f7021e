"""scripts/readme_figures.py: the README's figures block is what the script renders (its lines and
figure names; the numbers of a run differ from run to run, so they are not compared), and the
script reads its figures from the session files and the demo's output lines (no vLLM run)."""
import os
import re
import sys

import pytest

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "scripts"))
import readme_figures as rf  # noqa: E402

GOLDEN = os.path.join(REPO, "engine", "src", "test", "resources", "golden", "session_golden")
LOG = """[sitecustomize] vLLM Comprehensive Instrumentation Loaded (profilers: kv_cache, scheduler; session: /x/session_golden)
demo: 6 steps, 2 requests finished, 1 preemptions, 32 prefix-cache hit tokens, 1 cached blocks evicted
demo session: /x/session_golden (81 records, 2 processes)
report: /x/session_golden/profile_report.html
"""


def _shape(text):
    """The block with its numbers, session stamps and profiler list made generic."""
    text = re.sub(r"\(profilers: [^;]*;", "(profilers: P;", text)
    text = re.sub(r"session_[0-9_]+|session_golden", "session_S", text)
    return re.sub(r"\d[\d,.]*", "N", text)


def _figures(**over):
    f = rf.figures(GOLDEN, LOG.replace("/x", os.path.dirname(GOLDEN)))
    f.update(over)
    return f


def test_figures_come_from_the_session_files_and_the_demo_lines():
    f = _figures()
    assert f["decode_tokens"] == 6  # batch_utilization_summary.json
    assert f["total_blocks"] == 10 and f["num_gpu_blocks"] == 11  # kv_cache_summary.txt, metadata.json
    assert f["recomputations"] == 1 and f["prefills"] == 2  # preemption_summary.json, request_lifecycle.csv
    assert f["output_tokens"] == 9
    assert f["demo"].startswith("demo: 6 steps")
    assert [k for k, _ in f["kv"]] == list(rf.KV_LINES)


def test_the_readme_block_has_the_scripts_lines_and_figure_names():
    readme = open(os.path.join(REPO, "README.md")).read()
    start, end = readme.index(rf.BEGIN), readme.index(rf.END) + len(rf.END)
    block = rf.render(_figures(decode_tokens=6, prefills=2, recomputations=1, output_tokens=9))
    assert _shape(readme[start:end]) == _shape(block)


def test_counts_that_do_not_add_up_say_so():
    assert "output tokens 9 = decode tokens 6" in rf.render(_figures(prefills=2, recomputations=1, output_tokens=9))
    assert "≠ (they should add up: a bug)" in rf.render(_figures(output_tokens=100))


def test_only_the_marked_block_is_rewritten():
    text = "before\n%s\nold\n%s\nafter\n" % (rf.BEGIN, rf.END)
    assert rf.rewrite(text, "NEW") == "before\nNEW\nafter\n"
    with pytest.raises(ValueError):
        rf.rewrite("no markers", "NEW")
