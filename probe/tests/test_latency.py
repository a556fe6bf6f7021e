"""The latency decomposition (latency_parts.csv, latency_summary.json; docs/latency.md) on the
demo's variants, each built so that one cause dominates (demo/run_demo.py VARIANTS): vLLM's real
scheduler under the probe, the engine's export, and vLLM's side of each request's times read by
the driver with its own clock (drive_latency.py), never the probe's."""
import csv
import glob
import json
import os
import subprocess

import pytest

from conftest import REPO, run_python

pytest.importorskip("vllm")
HERE = os.path.dirname(os.path.abspath(__file__))
TTFT_PARTS = ("queue_wait_sec", "prefill_compute_sec", "between_chunks_sec", "preemption_ttft_sec")
ITL_PARTS = ("decode_step_sec", "sat_out_sec", "preemption_itl_sec")


def _rows(session, name):
    with open(os.path.join(session, name), newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    out = {}
    for name in ("queue", "prefill", "preemption"):
        base = tmp_path_factory.mktemp(name)
        truth = base / "truth.json"
        r = run_python(
            "import sys, runpy; sys.argv = ['drive', %r, %r]; sys.path.insert(0, %r); "
            "runpy.run_path(%r, run_name='__main__')" % (name, str(truth), HERE, os.path.join(HERE, "drive_latency.py")),
            {"VLLM_PROFILING_DIR": str(base / "prof")})
        assert r.returncode == 0, r.stderr[-3000:]
        sessions = glob.glob(str(base / "prof" / "session_*"))
        assert len(sessions) == 1, r.stderr[-2000:]
        subprocess.run([os.path.join(REPO, "profilemate"), "export", sessions[0], "--quiet"], check=True)
        summary = json.loads(open(os.path.join(sessions[0], "latency_summary.json")).read())
        out[name] = (sessions[0], json.loads(truth.read_text()), summary)
    return out


@pytest.mark.parametrize("name", ["queue", "prefill", "preemption"])
def test_the_ttft_parts_add_up_to_the_ttft_vllm_gave_each_request(variants, name):
    session, truth, _ = variants[name]
    rows = _rows(session, "latency_parts.csv")
    assert sorted(r["request_id"] for r in rows) == sorted(truth)
    lifecycle = {r["request_id"]: r for r in _rows(session, "request_lifecycle.csv")}
    for r in rows:
        t = truth[r["request_id"]]
        vllm_ttft = (t["first_token_ns"] - t["arrival_ns"]) / 1e9
        parts = sum(float(r[p]) for p in TTFT_PARTS)
        assert parts == pytest.approx(vllm_ttft, rel=0.01), r
        life = lifecycle[r["request_id"]]
        assert parts == pytest.approx(float(life["first_token_sec"]) - float(life["arrival_sec"]), rel=0.01), r
        assert all(float(r[p]) >= 0 for p in TTFT_PARTS), r


@pytest.mark.parametrize("name", ["queue", "prefill", "preemption"])
def test_the_itl_parts_add_up_to_each_requests_mean_inter_token_latency(variants, name):
    session, truth, _ = variants[name]
    for r in _rows(session, "latency_parts.csv"):
        t = truth[r["request_id"]]
        assert int(r["num_output_tokens"]) == t["output_tokens"]
        vllm_itl = (t["finished_ns"] - t["first_token_ns"]) / 1e9 / (t["output_tokens"] - 1)
        parts = sum(float(r[p]) for p in ITL_PARTS)
        assert parts == pytest.approx(vllm_itl, rel=0.01), r
        assert float(r["itl_sec"]) == pytest.approx(vllm_itl, rel=0.01), r
        # each decode step samples one token: the first came from the prefill, one from each recomputation
        assert int(r["decode_steps"]) == t["output_tokens"] - 1 - t["preemptions"], r


def test_queue_bound_p99_ttft_is_queue_wait_for_max_num_seqs(variants):
    _, _, summary = variants["queue"]
    for p in ("p50", "p90", "p99"):
        band = summary["ttft"][p]
        assert band["dominant"] == "queue_wait", band
        assert band["dominant_cause"] == "max_num_seqs", band
    assert summary["ttft"]["p99"]["parts_pct"]["queue_wait"] > 90


def test_prefill_bound_ttft_is_its_own_prefill_compute(variants):
    session, _, summary = variants["prefill"]
    for p in ("p50", "p90", "p99"):
        band = summary["ttft"][p]
        assert band["dominant"] == "prefill_compute", band
        assert band["dominant_cause"] == "prompt_length", band
    # 1,400+ prompt tokens under a 512-token budget: every prompt in three chunks or more
    assert all(int(r["prefill_chunks"]) >= 3 for r in _rows(session, "latency_parts.csv"))


def test_preemption_bound_p99_itl_is_preemption_for_want_of_kv_blocks(variants):
    session, truth, summary = variants["preemption"]
    band = summary["itl"]["p99"]
    assert band["dominant"] == "preemption", band
    assert band["dominant_cause"] == "kv_cache_full", band
    # and the requests vLLM preempted are those whose ITL the decomposition gives to preemption
    for r in _rows(session, "latency_parts.csv"):
        assert (float(r["preemption_itl_sec"]) > 0) == (truth[r["request_id"]]["preemptions"] > 0), r
