"""The parallel target's record from an EngineCore's ParallelConfig (the real vLLM class): its DP rank and
size, no TP/PP/EP rank of its own, the expert-parallel flags, and a record the spool packs. The worker side
(vLLM's parallel state) runs in real processes in test_multirank.py."""
from vllm.config import ParallelConfig

from profilemate_probe.spool import RECORDS
from profilemate_probe.targets import parallel


def test_an_engine_cores_identity_is_its_dp_rank_and_flags(monkeypatch):
    monkeypatch.setenv("VLLM_PROFILING_NODE", "node-7")
    pc = ParallelConfig(data_parallel_size=2, data_parallel_rank=1, enable_expert_parallel=True)
    values = parallel.identity_from_config(pc)
    rec = RECORDS["parallel_identity"]
    named = dict(zip(rec.fields[1:], values))
    assert (named["dp_rank"], named["dp_size"]) == (1, 2)
    assert all(named[k] == -1 for k in ("world_rank", "pp_rank", "tp_rank", "ep_rank", "pcp_rank", "dcp_rank"))
    assert named["flags"] == parallel.FLAG_EXPERT_PARALLEL and named["node"] == "node-7"
    assert named["source"] == "engine_core"
    assert rec.pack((123,) + tuple(values))  # the values fit the declared layout


def test_without_parallel_state_groups_the_ranks_are_minus_one():
    class NoGroups:
        pass
    values = parallel.identity_from_groups(NoGroups())
    assert values[:15] == [-1] * 15 and values[-1] == "initialize_model_parallel"


def test_sequence_parallel_moe_is_flagged_as_vllm_decides_it():
    """DP 2 x TP 2 with expert parallelism and vLLM's default all2all backend: vLLM splits each DP rank's
    tokens over its TP ranks before the MoE layers (use_sequence_parallel_moe); without EP it does not."""
    on = ParallelConfig(data_parallel_size=2, tensor_parallel_size=2, enable_expert_parallel=True)
    off = ParallelConfig(data_parallel_size=2, tensor_parallel_size=2, enable_expert_parallel=False)
    assert on.use_sequence_parallel_moe and not off.use_sequence_parallel_moe
    assert parallel.identity_from_config(on)[15] == parallel.FLAG_EXPERT_PARALLEL | parallel.FLAG_SEQUENCE_PARALLEL_MOE
    assert parallel.identity_from_config(off)[15] == 0
