"""Worker state shared by the GPU-side profilers.

While vLLM compiles, warms up kernels and captures graphs (Worker.compile_or_warm_up_model),
the model runs dummy batches (vLLM 0.26's warm-up runs a 64 x 128-token prefill through
execute_model). Those are not serving steps: forward timing, graph replays and MoE counts
skip them; graph captures are still recorded.
"""
from ..patching import PatchTarget

WARMING = [0]


def _warm_up(original, prof):
    def compile_or_warm_up_model(self, *args, **kwargs):
        WARMING[0] += 1  # set whatever the profiler's state: it only narrows what is recorded
        try:
            return original(self, *args, **kwargs)
        finally:
            WARMING[0] -= 1
    return compile_or_warm_up_model


def warmup_target(profiler):
    """The same target for every GPU-side profiler: the first to attach wraps it."""
    return PatchTarget(profiler, "vllm.v1.worker.gpu_worker", "Worker.compile_or_warm_up_model", ">=0.11",
                       _warm_up, optional=True, note="warm-up and capture runs are not serving steps")
