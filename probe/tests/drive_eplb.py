"""One EP rank of test_eplb_placement.py's real rearrangement: vLLM's own EplbState on the CPU, over gloo.

Run as its own process with the probe attached the normal way (PYTHONPATH sitecustomize), one per rank
(DP = EP = PM_WORLD): vLLM's init_distributed_environment and initialize_model_parallel (EPLB on, so vLLM
makes its EPLB group), then EplbState.add_model on a small MixtureOfExperts-shaped model (its expert
weights: one row per local physical slot holding its logical expert's id), a skewed expert load in the
load window, and EplbState.rearrange(): vLLM's all-reduce of the load, DefaultEplbPolicy, the weight
exchange between the ranks and _commit_eplb_maps. Prints one JSON line: vLLM's map before and after, and
whether each rank's weights now hold the experts the new map says.
"""
import json
import os
from types import SimpleNamespace

import torch

from vllm.config import DeviceConfig, EPLBConfig, ParallelConfig, VllmConfig, set_current_vllm_config
from vllm.distributed import parallel_state as ps

LOGICAL, REDUNDANT, LAYERS, HIDDEN = 8, 2, 2, 4


class Model:
    """What EplbState reads of a MixtureOfExperts model (vllm/model_executor/models/interfaces.py)."""

    def __init__(self, ep_size):
        self.num_moe_layers = LAYERS
        self.num_expert_groups = 1
        self.num_logical_experts = self.num_routed_experts = LOGICAL
        self.num_redundant_experts = REDUNDANT
        self.num_physical_experts = LOGICAL + REDUNDANT
        self.num_local_physical_experts = self.num_physical_experts // ep_size
        self.num_shared_experts = 0
        # decoder layer 0 dense: MoE layers are decoder layers 1 and 2
        self.moe_layers = [SimpleNamespace(layer_name="model.layers.%d.mlp.experts" % (i + 1)) for i in range(LAYERS)]
        self.expert_weights = []

    def set_eplb_state(self, expert_load_view, logical_to_physical_map, logical_replica_count):
        pass


class _HostEvent:
    """torch.Event on the host. The shims (here and in _cpu_only) stand in for the device calls a CPU-only
    machine cannot make (its torch is built with CUDA, so vLLM believes pinned memory and device streams
    exist): rearrange's timing events (read only by its log line), the communicator's stream sync before its
    gloo sends, and pinned staging buffers. vLLM's EPLB logic (load all-reduce, policy, transfer plan, weight
    exchange over gloo, map commit) runs as it is."""

    def __init__(self, enable_timing=False):
        self.t = 0.0

    def record(self, stream=None):
        import time
        self.t = time.perf_counter()

    def synchronize(self):
        pass

    def elapsed_time(self, end):
        return (end.t - self.t) * 1000.0


class _HostStream:
    def synchronize(self):
        pass


def _cpu_only():
    import vllm.distributed.eplb.eplb_communicator as communicator
    import vllm.distributed.eplb.eplb_state as eplb_state
    torch.Event = _HostEvent
    torch.accelerator.current_stream = lambda *a, **k: _HostStream()
    communicator.PIN_MEMORY = eplb_state.PIN_MEMORY = False


def main():
    _cpu_only()
    rank, world = int(os.environ["PM_RANK"]), int(os.environ["PM_WORLD"])
    ps.init_distributed_environment(world_size=world, rank=rank, local_rank=rank, backend="gloo",
                                    distributed_init_method="tcp://127.0.0.1:%s" % os.environ["PM_PORT"])
    parallel = ParallelConfig(data_parallel_size=world, enable_expert_parallel=True,
                              eplb_config=EPLBConfig(communicator="torch_gloo", use_async=False))
    config = VllmConfig(device_config=DeviceConfig(device="cpu"), parallel_config=parallel)
    # vLLM's config check allows EPLB on CUDA, ROCm and XPU only (set after it); its code runs on CPU tensors
    parallel = config.parallel_config
    parallel.enable_eplb = True
    parallel.eplb_config.num_redundant_experts = REDUNDANT
    with set_current_vllm_config(config):
        ps.initialize_model_parallel(tensor_model_parallel_size=1, pipeline_model_parallel_size=1, backend="gloo")
        from vllm.distributed.eplb.eplb_state import EplbState
        model = Model(ps.get_ep_group().world_size)
        local = model.num_local_physical_experts
        initial = EplbState.build_initial_global_physical_to_logical_map(LOGICAL, REDUNDANT)
        mine = initial[rank * local:(rank + 1) * local]
        model.expert_weights = [[torch.tensor([[float(e)] * HIDDEN for e in mine])] for _ in range(LAYERS)]
        state = EplbState(parallel, torch.device("cpu"))
        state.add_model(model, SimpleNamespace(compute_hash=lambda: "moe-8", model="moe-8"))
        ms = next(iter(state.model_states.values()))
        before = ms.physical_to_logical_map.tolist()
        # a skewed load: expert 5 hot in layer 0, expert 2 in layer 1, a little everywhere (each rank its own)
        for layer, hot in ((0, 5), (1, 2)):
            for slot, e in enumerate(before[layer]):
                ms.expert_load_window[:, layer, slot] = 1000 if e == hot else 10 + e + rank
        state.rearrange()
        after = ms.physical_to_logical_map.tolist()
        moved = all(ms.model.expert_weights[layer][0][:, 0].tolist() == [float(e) for e in after[layer][
            rank * local:(rank + 1) * local]] for layer in range(LAYERS))
    print("TRUTH " + json.dumps({"pid": os.getpid(), "before": before, "after": after, "weights_moved": moved}),
          flush=True)
    ps.destroy_model_parallel()
    ps.destroy_distributed_environment()


if __name__ == "__main__":
    main()
