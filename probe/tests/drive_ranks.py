"""One rank of the multi-process test (test_multirank.py): vLLM's real parallel state on the CPU.

Run as its own process with the probe attached the normal way (PYTHONPATH sitecustomize), one per
rank: vLLM's init_distributed_environment (gloo) and initialize_model_parallel build the groups of a
TP=2 x DP=2 layout (expert parallel on, so vLLM makes an EP group too); the probe's parallel target
records them. Then the ranks meet at barriers, and each writes a cpu_operation "barrier" record right
after leaving each one: the same instant, give or take the barrier's own exit skew, in every process.

PM_MONO_OFFSET_NS: this process's monotonic clock is shifted by that much before anything reads it, as
if it ran on a node booted at another time (processes of one host share CLOCK_MONOTONIC, so a second
node is simulated): the engine must align it through its clock anchors. Prints one JSON line: what
vLLM's parallel state says, and the barrier instants on the real (unshifted) monotonic clock.
"""
import json
import os
import sys
import time

OFFSET = int(os.environ.get("PM_MONO_OFFSET_NS", "0"))
if OFFSET:
    _real = time.monotonic_ns
    time.monotonic_ns = lambda: _real() + OFFSET  # before vLLM and the probe's hooks read it

import torch.distributed as dist  # noqa: E402

from vllm.config import DeviceConfig, ParallelConfig, VllmConfig, set_current_vllm_config  # noqa: E402
from vllm.distributed import parallel_state as ps  # noqa: E402


def main():
    rank, world = int(os.environ["PM_RANK"]), int(os.environ["PM_WORLD"])
    tp, dp, barriers = int(os.environ["PM_TP"]), int(os.environ["PM_DP"]), int(os.environ["PM_BARRIERS"])
    ps.init_distributed_environment(world_size=world, rank=rank, local_rank=rank, backend="gloo",
                                    distributed_init_method="tcp://127.0.0.1:%s" % os.environ["PM_PORT"])
    config = VllmConfig(device_config=DeviceConfig(device="cpu"),
                        parallel_config=ParallelConfig(tensor_parallel_size=tp, data_parallel_size=dp,
                                                       enable_expert_parallel=True))
    with set_current_vllm_config(config):
        ps.initialize_model_parallel(tensor_model_parallel_size=tp, pipeline_model_parallel_size=1, backend="gloo")
    truth = {"pid": os.getpid(), "world_rank": dist.get_rank(),
             "dp_rank": ps.get_dp_group().rank_in_group, "dp_size": ps.get_dp_group().world_size,
             "pp_rank": ps.get_pp_group().rank_in_group, "pp_size": ps.get_pp_group().world_size,
             "tp_rank": ps.get_tp_group().rank_in_group, "tp_size": ps.get_tp_group().world_size,
             "ep_rank": ps.get_ep_group().rank_in_group, "ep_size": ps.get_ep_group().world_size}
    import profilemate_probe
    probe = profilemate_probe.probe()
    real = []
    for i in range(barriers):
        dist.barrier()
        t = time.monotonic_ns()
        probe.emit("cpu_operation", t, 0, "barrier", "i=%d" % i)
        real.append(t - OFFSET)
        time.sleep(0.1)  # spread over several clock anchors (VLLM_PROFILING_ANCHOR_SECONDS)
    dist.barrier()
    truth["barrier_real_mono_ns"] = real
    print("TRUTH " + json.dumps(truth), flush=True)
    ps.destroy_model_parallel()
    ps.destroy_distributed_environment()


if __name__ == "__main__":
    sys.exit(main())
