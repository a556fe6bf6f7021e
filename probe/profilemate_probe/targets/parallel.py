"""Where a process sits in vLLM's parallel layout: one parallel_identity record per process.

Written once the layout is known, and the engine applies it to every record of the process (a
constant pool: cheaper than five ints on every record, and every row still carries its ranks).
- A worker (and an EngineCore whose executor runs the worker in-process): after vLLM's
  initialize_model_parallel, from the groups of vllm.distributed.parallel_state
  (rank_in_group / world_size of the DP, PP, TP, EP, PCP and DCP groups, and the world group's
  rank and local rank). ensure_model_parallel_initialized, which Worker.init_device calls through
  init_worker_distributed_environment, calls it the first time; vLLM's gpu_worker imports ensure_...
  by name, so the hook is on initialize_model_parallel, looked up in its module at every call.
- An EngineCore: when EngineCore.__init__ starts, from its ParallelConfig (run_engine_core sets
  data_parallel_rank before it builds the core). The scheduler side has a DP rank and no TP, PP
  or EP rank: those are -1. Written before the scheduler exists, so its first step has the rank.
The latest record of a process wins (an in-process worker's full ranks replace the core's).
"""
from ..patching import PatchTarget
from ..session import node_name

PROFILER = "parallel"
# bit 2: vLLM may split each DP rank's tokens over its TP ranks before the MoE layers (sequence-parallel
# MoE), so that TP ranks route different tokens: the engine then adds their MoE counts instead of
# taking one TP rank's (docs/multi-gpu.md)
FLAG_EXPERT_PARALLEL, FLAG_EPLB, FLAG_SEQUENCE_PARALLEL_MOE = 1, 2, 4
_GROUPS = ("_DP", "_PP", "_TP", "_EP", "_PCP", "_DCP")


def _rank_size(group):
    if group is None:
        return -1, -1
    return int(group.rank_in_group), int(group.world_size)


def _flags(parallel_config):
    if parallel_config is None:
        return 0
    return ((FLAG_EXPERT_PARALLEL if getattr(parallel_config, "enable_expert_parallel", False) else 0)
            | (FLAG_EPLB if getattr(parallel_config, "enable_eplb", False) else 0)
            | (FLAG_SEQUENCE_PARALLEL_MOE if _sequence_parallel_moe(parallel_config) else 0))


def _sequence_parallel_moe(parallel_config):
    """ParallelConfig.use_sequence_parallel_moe (a property; absent in older vLLM: False)."""
    try:
        return bool(getattr(parallel_config, "use_sequence_parallel_moe", False))
    except Exception:
        return False


def _current_parallel_config():
    try:
        from vllm.config import get_current_vllm_config_or_none
        config = get_current_vllm_config_or_none()
    except Exception:  # an older vLLM without it: the flags stay 0
        return None
    return None if config is None else config.parallel_config


def identity_from_groups(ps):
    """The record's values (after t_ns) from vllm.distributed.parallel_state `ps`."""
    world = getattr(ps, "_WORLD", None)
    world_rank, world_size = (int(world.rank), int(world.world_size)) if world is not None else (-1, -1)
    local_rank = int(getattr(world, "local_rank", -1)) if world is not None else -1
    values = [world_rank, world_size, local_rank]
    for name in _GROUPS:
        values.extend(_rank_size(getattr(ps, name, None)))
    return values + [_flags(_current_parallel_config()), node_name(), "initialize_model_parallel"]


def identity_from_config(parallel_config):
    """An EngineCore's: its DP rank and size; no world, TP, PP or EP rank of its own."""
    dp_rank = int(getattr(parallel_config, "data_parallel_rank", 0) or 0)
    dp_size = int(getattr(parallel_config, "data_parallel_size", 1) or 1)
    return ([-1, -1, -1, dp_rank, dp_size] + [-1] * 10
            + [_flags(parallel_config), node_name(), "engine_core"])


def _after_init(original, prof):
    def initialize_model_parallel(*args, **kwargs):
        result = original(*args, **kwargs)
        if prof.enabled:
            try:
                import sys
                from time import monotonic_ns
                prof.emit("parallel_identity", monotonic_ns(), *identity_from_groups(
                    sys.modules[original.__module__]))
            except Exception as exc:
                prof.fail("initialize_model_parallel", exc)
        return result
    return initialize_model_parallel


def _core_init(original, prof):
    def __init__(self, vllm_config, *args, **kwargs):
        if prof.enabled:
            try:
                from time import monotonic_ns
                prof.emit("parallel_identity", monotonic_ns(), *identity_from_config(vllm_config.parallel_config))
            except Exception as exc:
                prof.fail("EngineCore.__init__", exc)
        return original(self, vllm_config, *args, **kwargs)
    return __init__


TARGETS = [
    PatchTarget(PROFILER, "vllm.distributed.parallel_state", "initialize_model_parallel", ">=0.11", _after_init,
                note="a worker's dp/pp/tp/ep/pcp/dcp ranks, once its groups exist"),
    PatchTarget(PROFILER, "vllm.v1.engine.core", "EngineCore.__init__", ">=0.11", _core_init, optional=True,
                note="an EngineCore's data-parallel rank, from its ParallelConfig"),
]
