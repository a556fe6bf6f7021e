"""`profilemate demo` end to end on the real vLLM: its stderr carries ProfileMate's lines but none of
the notices other packages print that its user cannot act on (torch deprecations, vLLM's missing
GPU kernels), and the counts of its session add up (docs/session-files.md explains each)."""
import os
import subprocess
import sys

import pytest

from conftest import REPO

pytest.importorskip("vllm")
sys.path.insert(0, os.path.join(REPO, "scripts"))
import readme_figures as rf  # noqa: E402

FOREIGN = ("is deprecated", "Failed to import from vllm._C", "FlashInfer kernels are disabled")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    env = dict(os.environ, PROFILEMATE_PYTHON=sys.executable)
    r = subprocess.run([os.path.join(REPO, "profilemate"), "demo", "--out", str(out)], capture_output=True,
                       text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def test_the_demos_stderr_has_no_foreign_notices(demo):
    assert "[sitecustomize] vLLM Comprehensive Instrumentation Loaded" in demo.stderr
    assert [ln for ln in demo.stderr.splitlines() if any(f in ln for f in FOREIGN)] == []


def test_the_demos_counts_add_up(demo):
    f = rf.figures(rf._session_of(demo.stdout), demo.stdout + demo.stderr)
    assert f["recomputations"] > 0
    assert f["decode_tokens"] + f["prefills"] + f["recomputations"] == f["output_tokens"]
    assert f["total_blocks"] == f["num_gpu_blocks"] - 1
