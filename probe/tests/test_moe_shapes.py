"""MoE counts exact at today's shapes (8 to 512 experts, top-2 to top-10, grouped top-k, shared
experts, dense layers), from vLLM's real CPU router through the probe, the spool and the engine's
export. Before spool minor 4 the co-selection string was cut at 65,535 bytes and the export
crashed from 128 experts on."""
import csv
import glob
import itertools
import json
import os
import subprocess
from collections import Counter

import pytest

from conftest import REPO, run_python

pytest.importorskip("vllm")
pytest.importorskip("transformers")
HERE = os.path.dirname(os.path.abspath(__file__))


def _rows(session, name):
    with open(os.path.join(session, name), newline="") as f:
        return list(csv.DictReader(f))


# (shape, counter): "torch" is the CPU's own backend; "per-step" runs the triton kernels under
# triton's interpreter, one launch per forward step, as on a GPU (slower: two shapes, one with
# dense layers before the MoE ones, so the step's last MoE layer is not the model's first)
SHAPES = [("mixtral", "torch"), ("deepseek-v2-lite", "torch"), ("qwen3-moe", "torch"), ("deepseek-v3", "torch"),
          ("512x10", "torch"), ("mixtral", "per-step"), ("deepseek-v3", "per-step")]


@pytest.mark.parametrize("shape,counter", SHAPES)
def test_exported_moe_statistics_equal_what_vllms_router_returned(shape, counter, tmp_path):
    truth_file = tmp_path / "truth.json"
    env = {"VLLM_PROFILING_DIR": str(tmp_path / "prof"), "VLLM_ENABLE_PROFILING": "1", "USE_CUDA_EVENTS": "0",
           "CUDA_EVENT_BATCH_SIZE": "2"}  # read-backs inside the run and at exit: windows add up
    if counter == "per-step":
        pytest.importorskip("triton")
        env.update(TRITON_INTERPRET="1", PROFILEMATE_MOE_BACKEND="triton")
    r = run_python(
        "import sys, runpy; sys.argv = ['d', %r, %r]; sys.path.insert(0, %r); runpy.run_path(%r, run_name='__main__')"
        % (shape, str(truth_file), HERE, os.path.join(HERE, "drive_moe_shapes.py")), env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "disabled after a hook error" not in r.stderr, r.stderr[-3000:]
    truth = json.loads(truth_file.read_text())
    if counter == "per-step":
        # one launch per step (the warm-up step's, then each of TOKENS'), none per layer
        assert truth["counter"]["backend"] == "triton" and truth["counter"]["per_step"], truth["counter"]
        assert truth["counter"]["launches"] == 1 + truth["steps"], truth["counter"]
    session = glob.glob(str(tmp_path / "prof" / "session_*"))[0]
    subprocess.run([os.path.join(REPO, "profilemate"), "export", session, "--quiet"], check=True)
    experts, top_k = truth["experts"], truth["top_k"]

    got_counts = Counter()
    for row in _rows(session, "moe_expert_activations.csv"):
        got_counts[(int(row["layer_idx"]), int(row["expert_id"]))] = int(row["activation_count"])
    got_pairs = {(int(r["layer_idx"]), int(r["expert_id_1"]), int(r["expert_id_2"])): int(r["coselection_count"])
                 for r in _rows(session, "moe_expert_coselection.csv")}
    hist = Counter()
    for row in _rows(session, "moe_routing_weights_histogram.csv"):
        hist[(int(row["layer_idx"]), int(row["expert_id"]))] += int(row["count"])
    layers = {int(r["layer_idx"]): r for r in _rows(session, "moe_layers.csv")}

    for layer_s, ids in truth["layers"].items():
        layer = int(layer_s)
        tokens = truth["tokens"][layer_s]
        want = Counter((layer, e) for row in ids for e in row)
        assert sum(want.values()) == tokens * top_k
        assert {k: v for k, v in got_counts.items() if k[0] == layer and v} == dict(want)
        want_pairs = Counter((layer,) + tuple(sorted(p)) for row in ids for p in itertools.combinations(row, 2))
        assert {k: v for k, v in got_pairs.items() if k[0] == layer} == dict(want_pairs)
        assert sum(want_pairs.values()) == tokens * top_k * (top_k - 1) // 2
        # every routed token-expert pair lands in one weight bin
        assert {k: v for k, v in hist.items() if k[0] == layer} == dict(want)
        row = layers[layer]
        assert row["kind"] == "moe" and row["counts"] == "recorded"
        assert (int(row["routed_experts"]), int(row["top_k"]), int(row["shared_experts"])) == (
            experts, top_k, truth["shared"])
        assert int(row["tokens"]) == tokens and int(row["routed_tokens"]) == tokens * top_k
        assert int(row["shared_expert_tokens"]) == tokens * truth["shared"]
    assert sorted(k for k, r in layers.items() if r["kind"] == "dense") == list(range(truth["dense"]))
    assert len(layers) == truth["num_hidden_layers"]

    meta = json.load(open(os.path.join(session, "metadata.json")))["moe"]
    assert (meta["n_routed_experts"], meta["n_shared_experts"], meta["top_k"]) == (experts, truth["shared"], top_k)
    grouped = truth["grouped"]
    assert meta["grouping"] == (None if not grouped else {"num_expert_group": grouped[0], "topk_group": grouped[1]})
    assert meta["dense_layers"] == list(range(truth["dense"]))
    assert meta["moe_layers"] == sorted(int(k) for k in truth["layers"])
    assert "counts_not_recorded" not in meta
    assert not [w for w in json.load(open(os.path.join(session, "metadata.json")))["warnings"] if "MoE" in w]
