"""CUDA graph captures and replays with their full descriptor (worker process).

V1 runner and PIECEWISE pieces go through CUDAGraphWrapper.__call__; only the wrapper with
debug_log_enable (the whole model, or the first piece) counts, so a step counts once.
Model runner V2 replays FULL graphs in CudaGraphManager.run_fullgraph, outside the
wrapper. Graphs captured while vLLM profiles CUDA-graph memory are thrown away by vLLM and
are not recorded; a later clear_all_graphs() is written as a reset.
"""
from time import monotonic_ns

from ..patching import PatchTarget
from ._worker import WARMING, warmup_target

PROFILER = "cuda_graphs"
WRAPPER = "vllm.compilation.cuda_graph"
MRV2 = "vllm.v1.worker.gpu.cudagraph_utils"

_profiling = [0]  # >0 while a runner estimates graph memory: those captures are discarded


def _fields(bd):
    """(num_tokens, num_reqs or -1, uniform, has_lora) of a BatchDescriptor of any version."""
    num_reqs = getattr(bd, "num_reqs", None)
    uniform = getattr(bd, "uniform", None)
    if uniform is None:
        uniform = getattr(bd, "uniform_decode", False)  # vLLM <= 0.12 name
    return (int(bd.num_tokens), -1 if num_reqs is None else int(num_reqs), 1 if uniform else 0,
            1 if getattr(bd, "has_lora", False) else 0)


def _mode_name(mode):
    return getattr(mode, "name", None) or str(mode)


def _wrapper_call(original, prof):
    from vllm.forward_context import get_forward_context, is_forward_context_available

    # the same capture/replay rules that bench/gpu/validate_h200.py checked on an H200
    from ..gpu.graph_counter import CAPTURE, REPLAY, classify_call, counts_steps

    def __call__(self, *args, **kwargs):
        if not prof.enabled or not counts_steps(self):
            return original(self, *args, **kwargs)
        try:
            if not is_forward_context_available():
                return original(self, *args, **kwargs)
            fc = get_forward_context()
            bd = fc.batch_descriptor
            kind = classify_call(self, fc.cudagraph_runtime_mode, bd)
        except Exception as exc:
            prof.fail("CUDAGraphWrapper.__call__", exc)
            return original(self, *args, **kwargs)
        if kind != CAPTURE and kind != REPLAY:
            return original(self, *args, **kwargs)
        t0 = monotonic_ns()
        result = original(self, *args, **kwargs)
        t1 = monotonic_ns()
        if (kind == CAPTURE and _profiling[0]) or (kind == REPLAY and WARMING[0]):
            return result
        try:
            prof.emit("cuda_graph_capture" if kind == CAPTURE else "cuda_graph_replay", t0, t1 - t0,
                      *_fields(bd), _mode_name(self.runtime_mode))
        except Exception as exc:
            prof.fail("CUDAGraphWrapper.__call__", exc)
        return result
    return __call__


def _clear_all(original, prof):
    def clear_all_graphs(*args, **kwargs):
        result = original(*args, **kwargs)
        if prof.enabled and not _profiling[0]:
            prof.emit("cuda_graph_reset", monotonic_ns(), "clear_all_graphs")
        return result
    return clear_all_graphs


def _profile_memory(original, prof):
    def profile_cudagraph_memory(self, *args, **kwargs):
        _profiling[0] += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            _profiling[0] -= 1
    return profile_cudagraph_memory


def _desc_fields(desc):
    """MRV2 BatchExecutionDescriptor -> the same fields as a BatchDescriptor."""
    return (int(desc.num_tokens), -1 if desc.num_reqs is None else int(desc.num_reqs),
            1 if getattr(desc, "uniform_token_count", None) is not None else 0,
            1 if getattr(desc, "num_active_loras", 0) else 0)


def _run_fullgraph(original, prof):
    def run_fullgraph(self, desc, *args, **kwargs):
        if not prof.enabled or WARMING[0]:
            return original(self, desc, *args, **kwargs)
        t0 = monotonic_ns()
        result = original(self, desc, *args, **kwargs)
        t1 = monotonic_ns()
        try:
            prof.emit("cuda_graph_replay", t0, t1 - t0, *_desc_fields(desc), _mode_name(desc.cg_mode))
        except Exception as exc:
            prof.fail("CudaGraphManager.run_fullgraph", exc)
        return result
    return run_fullgraph


def _capture(original, prof):
    """Per-graph capture time: from one descriptor's first forward-fn request to the next."""
    def capture(self, create_forward_fn=None, *args, **kwargs):
        # early MRV2 had capture(model, input_buffers, ...): leave that one alone
        new_api = callable(create_forward_fn) and hasattr(self, "_capture_descs")
        if not prof.enabled or not new_api or _profiling[0]:
            return original(self, create_forward_fn, *args, **kwargs)
        starts = []

        def timed_create(desc, *a, **k):
            if not starts or starts[-1][0] is not desc:
                starts.append((desc, monotonic_ns()))
            return create_forward_fn(desc, *a, **k)

        before = set(self.graphs)
        result = original(self, timed_create, *args, **kwargs)
        end = monotonic_ns()
        try:
            for i, (desc, t) in enumerate(starts):
                if desc in self.graphs and desc not in before:  # FULL graphs; PIECEWISE via the wrapper
                    t_next = starts[i + 1][1] if i + 1 < len(starts) else end
                    prof.emit("cuda_graph_capture", t, t_next - t, *_desc_fields(desc), _mode_name(desc.cg_mode))
        except Exception as exc:
            prof.fail("CudaGraphManager.capture", exc)
        return result
    return capture


def _release(original, prof):
    def release_graphs(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if prof.enabled and not _profiling[0]:
            prof.emit("cuda_graph_reset", monotonic_ns(), "release_graphs")
        return result
    return release_graphs


def _run_by_size(original, prof):
    """Early model runner V2 (about 0.14-0.2x) keyed FULL graphs by token count alone."""
    def run(self, num_tokens, *args, **kwargs):
        if not prof.enabled or WARMING[0]:
            return original(self, num_tokens, *args, **kwargs)
        t0 = monotonic_ns()
        result = original(self, num_tokens, *args, **kwargs)
        prof.emit("cuda_graph_replay", t0, monotonic_ns() - t0, int(num_tokens), -1, 0, 0, "FULL")
        return result
    return run


def _capture_by_size(original, prof):
    def capture_graph(self, num_tokens, *args, **kwargs):
        if not prof.enabled or _profiling[0]:
            return original(self, num_tokens, *args, **kwargs)
        t0 = monotonic_ns()
        result = original(self, num_tokens, *args, **kwargs)
        prof.emit("cuda_graph_capture", t0, monotonic_ns() - t0, int(num_tokens), -1, 0, 0, "FULL")
        return result
    return capture_graph


TARGETS = [
    warmup_target(PROFILER),
    PatchTarget(PROFILER, WRAPPER, "CUDAGraphWrapper.__call__", ">=0.11", _wrapper_call),
    PatchTarget(PROFILER, WRAPPER, "CUDAGraphWrapper.clear_all_graphs", ">=0.14", _clear_all, optional=True),
    PatchTarget(PROFILER, "vllm.v1.worker.gpu_model_runner", "GPUModelRunner.profile_cudagraph_memory", ">=0.14",
                _profile_memory, optional=True, note="V1 runner memory-profiling captures are thrown away"),
    PatchTarget(PROFILER, "vllm.v1.worker.gpu.model_runner", "GPUModelRunner.profile_cudagraph_memory", ">=0.14",
                _profile_memory, optional=True, note="model runner V2"),
    PatchTarget(PROFILER, MRV2, "CudaGraphManager.run_fullgraph", ">=0.14", _run_fullgraph, optional=True,
                note="model runner V2 FULL graphs bypass CUDAGraphWrapper"),
    PatchTarget(PROFILER, MRV2, "CudaGraphManager.capture", ">=0.14", _capture, optional=True),
    PatchTarget(PROFILER, MRV2, "CudaGraphManager.release_graphs", ">=0.14", _release, optional=True),
    PatchTarget(PROFILER, MRV2, "CudaGraphManager.run", ">=0.14", _run_by_size, optional=True,
                note="early model runner V2"),
    PatchTarget(PROFILER, MRV2, "CudaGraphManager.capture_graph", ">=0.14", _capture_by_size, optional=True,
                note="early model runner V2"),
]
