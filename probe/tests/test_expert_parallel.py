"""The report's expert-parallel what-if against vLLM's own code: for skewed per-expert token counts
(written with the probe's SpoolWriter, as its MoE profiler writes them on a GPU), the busiest EP
rank's load under vLLM's placement (determine_expert_map, linear and round_robin) and under the
placement vLLM's EPLB chooses (DefaultEplbPolicy.rebalance_experts, with and without redundant
experts) must equal what `profilemate report` says, layer by layer."""
import glob
import html
import json
import os
import random
import subprocess

import pytest

from conftest import REPO

torch = pytest.importorskip("torch")
pytest.importorskip("vllm")
from profilemate_probe.spool import SpoolWriter  # noqa: E402

PM = os.path.join(REPO, "profilemate")
EXPERTS, LAYERS, TOP_K = 64, 4, 8


def _counts(seed):
    """Per layer, tokens x top_k assignments spread with a heavy skew (a few hot experts)."""
    rng = random.Random(seed)
    out = []
    for _ in range(LAYERS):
        weights = [rng.paretovariate(1.2) for _ in range(EXPERTS)]
        total = sum(weights)
        out.append([int(4096 * TOP_K * w / total) + rng.randrange(3) for w in weights])
    return out


def _session(tmp_path, name, config, counts):
    session = tmp_path / name
    raw = session / "raw"
    raw.mkdir(parents=True)
    meta = {"format": "profilemate-spool", "pid": 11, "ppid": 1, "role": "worker", "rank": 0, "host": "h",
            "clock": {"monotonic_ns": 1_000_000_000, "wall_ns": 1_764_400_000_000_000_000},
            "python": "3.11", "profilers": ["ENABLE_MOE_EXPERT_TRACKING"], "config": {}}
    w = SpoolWriter(str(raw / "worker-11.pmspool"), meta)
    w.emit("engine_config_v2", 1_000_000_100, json.dumps(dict(config, model="moe-64x8")))
    for layer, c in enumerate(counts):
        w.emit("moe_layer", 1_000_000_200 + layer, layer, LAYERS, EXPERTS, 0, TOP_K, 0, 0, "router", "TritonExperts")
        w.emit("moe_expert_counts_v2", 1_000_100_000 + layer, layer, 10, sum(c) // TOP_K, c)
    w.close()
    for cmd in ("export", "report"):
        r = subprocess.run([PM, cmd, str(session)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    page = (session / "profile_report.html").read_text()
    data = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    return json.loads(html.unescape(data) if data.lstrip().startswith("&") else data), page


def _vllm_max(counts, ep, strategy):
    from vllm.model_executor.layers.fused_moe.expert_map_manager import determine_expert_map
    loads = []
    for r in range(ep):
        _, expert_map, _ = determine_expert_map(ep, r, EXPERTS, strategy)
        loads.append(sum(c for e, c in enumerate(counts) if expert_map[e] >= 0))
    return max(loads)


def _eplb_max(counts, ep, physical):
    from vllm.distributed.eplb.policy.default import DefaultEplbPolicy
    phy2log = DefaultEplbPolicy.rebalance_experts(torch.tensor([counts], dtype=torch.float64), physical, 1, 1, ep)[0]
    replicas = torch.bincount(phy2log, minlength=EXPERTS)
    per = physical // ep
    loads = [sum(counts[int(e)] / int(replicas[int(e)]) for e in phy2log[r * per:(r + 1) * per]) for r in range(ep)]
    return max(loads)


@pytest.mark.parametrize("config, ep, strategy, redundant", [
    ({"tensor_parallel_size": 2, "data_parallel_size": 4, "enable_expert_parallel": True,
      "enable_eplb": True, "num_redundant_experts": 16}, 8, "linear", 16),
    ({"tensor_parallel_size": 4, "enable_expert_parallel": True,
      "expert_placement_strategy": "round_robin"}, 4, "round_robin", 4),
    ({"tensor_parallel_size": 1}, 8, "linear", 8),  # EP off on one GPU: the what-if over one node
])
def test_the_what_if_is_vllms_own_placement_and_eplb(tmp_path, config, ep, strategy, redundant):
    counts = _counts(ep + redundant)
    data, page = _session(tmp_path, "s", config, counts)
    e = data["analyses"]["expert_parallel"]
    assert e["status"]["recorded"], e["status"]
    assert (e["ep_size"], e["placement"], e["redundant_experts"]) == (ep, strategy, redundant)
    by_layer = {l["layer"]: l for l in e["worst_layers"]}
    assert sorted(by_layer) == list(range(LAYERS))
    sums = {"now": 0.0, "bal": 0.0, "rep": 0.0, "mean": 0.0}
    for layer, c in enumerate(counts):
        mean = sum(c) / ep
        now, bal, rep = _vllm_max(c, ep, strategy), _eplb_max(c, ep, EXPERTS), _eplb_max(c, ep, EXPERTS + redundant)
        assert by_layer[layer]["imbalance"] == pytest.approx(now / mean, rel=1e-5)
        assert by_layer[layer]["balanced_imbalance"] == pytest.approx(bal / mean, rel=1e-5)
        assert by_layer[layer]["eplb_imbalance"] == pytest.approx(rep / mean, rel=1e-5)
        for k, v in (("now", now), ("bal", bal), ("rep", rep), ("mean", mean)):
            sums[k] += v
    assert e["lost_pct"] == pytest.approx(100 * (1 - sums["mean"] / sums["now"]), rel=1e-5)
    assert e["eplb_gain_pct"] == pytest.approx(100 * (1 - sums["rep"] / sums["now"]), rel=1e-5)
    # skewed routing: placement matters, and replicas help more than moving experts alone
    assert e["imbalance"] > e["balanced_imbalance"] > e["eplb_imbalance"] >= 1.0
    assert 'id="expert-parallel"' in page
    assert ("If EP ran over" in e["headline"]) == (not config.get("enable_expert_parallel"))
