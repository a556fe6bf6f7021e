"""GPU-side targets against the REAL installed vLLM, on the CPU (CI has no GPU)."""
import csv
import glob
import json
import os
import subprocess

import pytest

from conftest import REPO, run_python

vllm = pytest.importorskip("vllm")
HERE = os.path.dirname(os.path.abspath(__file__))

GPU_TARGETS = {
    "vllm.compilation.cuda_graph:CUDAGraphWrapper.__call__",
    "vllm.compilation.cuda_graph:CUDAGraphWrapper.clear_all_graphs",
    "vllm.v1.worker.gpu_model_runner:GPUModelRunner.profile_cudagraph_memory",
    "vllm.v1.worker.gpu.model_runner:GPUModelRunner.profile_cudagraph_memory",
    "vllm.v1.worker.gpu.cudagraph_utils:CudaGraphManager.run_fullgraph",
    "vllm.v1.worker.gpu.cudagraph_utils:CudaGraphManager.capture",
    "vllm.v1.worker.gpu.cudagraph_utils:CudaGraphManager.release_graphs",
    "vllm.v1.worker.gpu_model_runner:GPUModelRunner.execute_model",
    "vllm.v1.worker.gpu_model_runner:GPUModelRunner._model_forward",
    "vllm.v1.worker.gpu.model_runner:GPUModelRunner.execute_model",
    "vllm.model_executor.layers.fused_moe.runner.moe_runner:MoERunner.__init__",
    "vllm.model_executor.layers.fused_moe.router.fused_moe_router:FusedMoERouter.select_experts",
    "vllm.v1.worker.gpu_model_runner:GPUModelRunner._execute_mm_encoder",
    "vllm.v1.worker.gpu.mm.encoder_runner:EncoderRunner.execute_mm_encoder",
    "vllm.distributed.eplb.eplb_state:EplbState.add_model",
    "vllm.distributed.eplb.eplb_state:_commit_eplb_maps",
    "vllm.distributed.eplb.eplb_state:_commit_eplb_maps_for_layer",
    "vllm.distributed.eplb.eplb_state:EplbState.rearrange",
}
# The newest release is the contract; on older lines these are feature-detected (see doctor).
NEWEST = "0.33"


def _rows(session, name):
    with open(os.path.join(session, name), newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.skipif(not vllm.__version__.startswith(NEWEST), reason="target set of the newest vLLM line")
def test_every_gpu_side_target_resolves_on_the_installed_vllm():
    r = run_python("import json, profilemate_probe.doctor as d; print(\"\\nDOCTOR\" + json.dumps(d.diagnose()))",
                   {"VLLM_ENABLE_PROFILING": "0"})
    assert r.returncode == 0, r.stderr[-2000:]
    doc = json.loads(r.stdout.split("\nDOCTOR")[-1])
    states = {t["target"]: t for t in doc["targets"]}
    missing = {k: states.get(k) for k in GPU_TARGETS if states.get(k, {}).get("state") != "attached"}
    assert not missing, missing


@pytest.fixture(scope="module")
def gpu_session(tmp_path_factory):
    base = tmp_path_factory.mktemp("gpu")
    truth = base / "truth.json"
    r = run_python(
        "import sys, runpy; sys.argv = ['d', %r]; sys.path.insert(0, %r); runpy.run_path(%r, run_name='__main__')"
        % (str(truth), HERE, os.path.join(HERE, "drive_gpu_targets.py")),
        {"VLLM_PROFILING_DIR": str(base / "prof"), "VLLM_ENABLE_PROFILING": "1", "USE_CUDA_EVENTS": "0",
         "CUDA_EVENT_BATCH_SIZE": "2"})  # MoE read-backs inside the steps, not only at exit
    assert r.returncode == 0, r.stderr[-3000:]
    assert "disabled after a hook error" not in r.stderr, r.stderr[-3000:]
    session = glob.glob(str(base / "prof" / "session_*"))[0]
    subprocess.run([os.path.join(REPO, "profilemate"), "export", session, "--quiet"], check=True)
    return session, json.loads(truth.read_text())


def test_graph_replays_are_counted_once_per_step_with_their_descriptors(gpu_session):
    session, truth = gpu_session
    usage = {(r["runtime_mode"], r["num_tokens"], r["num_reqs"], r["uniform"], r["has_lora"]): int(r["replay_count"])
             for r in _rows(session, "cuda_graph_usage.csv")}
    assert usage == {("FULL", "8", "8", "True", "False"): truth["graphs"]["replays"]["8"],
                     ("FULL", "16", "None", "False", "True"): truth["graphs"]["replays"]["16"]}
    timeline = _rows(session, "cuda_graph_timeline.csv")
    assert len(timeline) == sum(truth["graphs"]["replays"].values())
    assert timeline[0]["descriptor"] == "FULL num_tokens=8 num_reqs=8 uniform=True has_lora=False"


def test_forward_steps_are_classified_as_vllms_scheduler_output_says(gpu_session):
    session, truth = gpu_session
    rows = _rows(session, "forward_pass_timing.csv")
    assert [[r["phase"], int(r["batch_size"]), int(r["num_tokens"])] for r in rows] == truth["phases"]
    assert {"prefill", "decode", "mixed"} <= {r["phase"] for r in rows}
    summary = json.load(open(os.path.join(session, "forward_pass_summary.json")))
    assert summary["steps"] == len(rows) and summary["gpu_timed_steps"] == 0  # host clocks on a CPU


def test_moe_counts_from_the_real_router_equal_the_routed_ids(gpu_session):
    session, truth = gpu_session
    got = {}
    for r in _rows(session, "moe_expert_activations.csv"):
        got.setdefault(int(r["layer_idx"]), {})[int(r["expert_id"])] = int(r["activation_count"])
    for layer, counts in enumerate(truth["moe_counts"]):
        assert [got[layer].get(e, 0) for e in range(8)] == counts
    assert os.path.exists(os.path.join(session, "moe_expert_tracking", "moe_expert_activations.csv"))
    cosel = _rows(session, "moe_expert_coselection.csv")
    tokens = sum(sum(c) for c in truth["moe_counts"]) // 2
    assert sum(int(r["coselection_count"]) for r in cosel) == tokens  # top-2: one pair per token


def test_sampled_routing_weights_are_the_real_routers_for_real_tokens(gpu_session):
    """Read-backs every 2 steps (CUDA_EVENT_BATCH_SIZE=2): steps {1}, {2, 3}, {4, 5}. Each keeps
    the routing weights of its last step, 8 tokens per layer spread over the real rows."""
    from profilemate_probe.gpu.moe_counter import sample_rows
    session, truth = gpu_session
    got = sorted((int(r["layer_idx"]), int(r["token_idx"]), int(r["expert_id"]), float(r["weight"]))
                 for r in _rows(session, "moe_routing_weights_hist.csv"))
    want = []
    for step in (0, 2, 4):
        for layer, (ids, w) in enumerate(truth["moe_routed"][step]):
            want += [(layer, i, e, w[i][k]) for i in sample_rows(len(ids), 8) for k, e in enumerate(ids[i])]
    want.sort()
    assert len(got) == len(want) == 3 * 2 * (6 + 7 + 8)
    assert [g[:3] for g in got] == [x[:3] for x in want]
    assert all(abs(g[3] - x[3]) < 1e-6 for g, x in zip(got, want))
    meta = json.load(open(os.path.join(session, "metadata.json")))
    assert meta["probe_config"]["MOE_WEIGHT_SAMPLE_TOKENS"] == 8
    rate = meta["moe_routing_weights_sampling"]
    assert (rate["tokens_per_layer"], rate["every_forward_steps"]) == (8, 2)


def test_vllms_classmethod_targets_stay_callable_under_the_probe(tmp_path):
    """CUDAGraphWrapper.clear_all_graphs is a classmethod that vLLM's V1 model runner calls
    while profiling CUDA graph memory at start-up; a wrong wrapper stops the engine there."""
    r = run_python(
        "from vllm.compilation.cuda_graph import CUDAGraphWrapper as W\n"
        "if 'clear_all_graphs' not in vars(W):\n"
        "    print('ABSENT'); raise SystemExit(0)\n"
        "assert getattr(vars(W)['clear_all_graphs'].__func__, '__profilemate_original__', None) is not None\n"
        "W.clear_all_graphs()\n"
        "print('CLEARED')\n",
        {"VLLM_PROFILING_DIR": str(tmp_path), "VLLM_ENABLE_PROFILING": "1"})
    if "ABSENT" in r.stdout:
        pytest.skip("this vLLM has no CUDAGraphWrapper.clear_all_graphs (added after 0.15)")
    assert r.returncode == 0 and "CLEARED" in r.stdout, r.stderr[-2000:]
    assert "disabled after a hook error" not in r.stderr
