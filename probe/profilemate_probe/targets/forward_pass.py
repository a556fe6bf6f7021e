"""Forward-pass GPU time per step, as prefill, decode or mixed (worker process).

CUDA events from a pooled StepTimer, read back in batches (CUDA_EVENT_BATCH_SIZE); never a
device synchronise on the step path. V1 runner: the events bracket _model_forward, and
execute_model supplies the step's shape; dummy, warm-up and capture runs call
_model_forward without execute_model and are not timed. Model runner V2 has no
_model_forward: the events bracket execute_model.
"""
import threading

from ..patching import PatchTarget
from ._phases import prefill_ids
from ._worker import WARMING, warmup_target

PROFILER = "forward_pass"
PHASES = {"prefill": 0, "decode": 1, "mixed": 2, "idle": 3}
NVTX_NAMES = ("profilemate:prefill", "profilemate:decode", "profilemate:mixed", "profilemate:idle")


def _nvtx_wanted():
    """Per-step NVTX ranges cost a driver call each: only under Nsight Systems (or when asked)."""
    import os
    flag = os.environ.get("PROFILEMATE_NVTX")
    if flag is not None:
        return flag == "1"
    return any(k.startswith("NSYS_") for k in os.environ)


_nvtx = [None]  # None: undecided; False: off; else (range_push, range_pop)


def nvtx():
    n = _nvtx[0]
    if n is None:
        n = False
        if _nvtx_wanted():
            try:
                import torch
                n = (torch.cuda.nvtx.range_push, torch.cuda.nvtx.range_pop)
            except Exception:
                n = False
        _nvtx[0] = n
    return n
_local = threading.local()
_timer = [None]
# Called once per real step with the step's token count (MoE masks graph padding with it).
STEP_LISTENERS = []


def classify(so):
    """(phase code, num_reqs, num_tokens) from a SchedulerOutput as the worker receives it."""
    counts = so.num_scheduled_tokens
    spec = so.scheduled_spec_decode_tokens or {}
    in_prefill = set(prefill_ids(so))
    prefill = 0
    for rid, n in counts.items():
        # Prompt work: a new or resumed request, one with no output yet (a prefill chunk, even
        # a last chunk of one token), or one scheduling more than 1 + drafts (new input tokens)
        if rid in in_prefill or n > 1 + len(spec.get(rid, ())):
            prefill += 1
    decode = len(counts) - prefill
    phase = "mixed" if prefill and decode else "prefill" if prefill else "decode" if decode else "idle"
    return PHASES[phase], len(counts), so.total_num_scheduled_tokens


def timer(prof):
    t = _timer[0]
    if t is None:
        from ..gpu.event_timer import StepTimer
        cfg = prof.config.values
        gpu = bool(cfg.get("USE_CUDA_EVENTS", True))

        def done(t0, duration, tag):
            phase, reqs, tokens = tag
            prof.emit("forward_pass", t0, duration, phase, reqs, tokens, 1 if t.use_cuda_events else 0)

        t = StepTimer(done, batch_size=cfg.get("CUDA_EVENT_BATCH_SIZE", 100), use_cuda_events=gpu)
        _timer[0] = t
        _emit_gpu(prof)
        from ..exiting import at_exit
        at_exit(t.flush)
    return t


def _emit_gpu(prof):
    """The GPU the worker runs on, for MFU and bandwidth estimates (CUDA is up by now)."""
    import json
    from time import monotonic_ns
    try:
        import torch
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            i = torch.cuda.current_device()
            props = torch.cuda.get_device_properties(i)
            prof.emit("engine_config_v2", monotonic_ns(), json.dumps({
                "gpu_name": torch.cuda.get_device_name(i), "gpu_count": torch.cuda.device_count(),
                "gpu_memory_gib": round(props.total_memory / 2**30, 1)}, sort_keys=True))
    except Exception:
        pass  # the report then asks for --gpu


def timed_step(prof, where, shape, original, *args, **kwargs):
    """Runs one model step between a pooled CUDA-event pair (and an NVTX range under nsys)."""
    try:
        t = timer(prof)
        timed = t.begin(shape)
        ranges = nvtx()
        if ranges:
            ranges[0](NVTX_NAMES[shape[0]])
    except Exception as exc:
        prof.fail(where, exc)
        return original(*args, **kwargs)
    try:
        return original(*args, **kwargs)
    finally:
        if ranges:
            ranges[1]()
        if timed:
            try:
                t.end()
            except Exception as exc:
                prof.fail(where, exc)


def _execute_model_v1(original, prof):
    def execute_model(self, scheduler_output, *args, **kwargs):
        if not prof.enabled or WARMING[0]:
            return original(self, scheduler_output, *args, **kwargs)
        try:
            shape = classify(scheduler_output)
            if not shape[2]:
                shape = None  # nothing scheduled (async scheduling sends empty steps): no forward
            else:
                for listener in STEP_LISTENERS:
                    listener(shape[2])
        except Exception as exc:
            prof.fail("GPUModelRunner.execute_model", exc)
            shape = None
        _local.shape = shape
        try:
            return original(self, scheduler_output, *args, **kwargs)
        finally:
            _local.shape = None
    return execute_model


def _model_forward(original, prof):
    def _model_forward(self, *args, **kwargs):
        shape = getattr(_local, "shape", None)
        if shape is None or not prof.enabled:
            return original(self, *args, **kwargs)
        _local.shape = None  # one timed forward per step (drafters call it again)
        return timed_step(prof, "GPUModelRunner._model_forward", shape, original, self, *args, **kwargs)
    return _model_forward


def _execute_model_v2(original, prof):
    def execute_model(self, scheduler_output, *args, **kwargs):
        if not prof.enabled or WARMING[0] or kwargs.get("dummy_run") or kwargs.get("is_profile"):
            return original(self, scheduler_output, *args, **kwargs)
        try:
            shape = classify(scheduler_output)
            if not shape[2]:  # nothing scheduled (async scheduling sends empty steps): no forward
                return original(self, scheduler_output, *args, **kwargs)
            for listener in STEP_LISTENERS:
                listener(shape[2])
        except Exception as exc:
            prof.fail("GPUModelRunner.execute_model", exc)
            return original(self, scheduler_output, *args, **kwargs)
        return timed_step(prof, "GPUModelRunner.execute_model", shape, original, self, scheduler_output,
                          *args, **kwargs)
    return execute_model


V1 = "vllm.v1.worker.gpu_model_runner"
V2 = "vllm.v1.worker.gpu.model_runner"
TARGETS = [
    warmup_target(PROFILER),
    PatchTarget(PROFILER, V1, "GPUModelRunner.execute_model", ">=0.11", _execute_model_v1, optional=True,
                note="V1 model runner"),
    PatchTarget(PROFILER, V1, "GPUModelRunner._model_forward", ">=0.11", _model_forward, optional=True,
                note="V1 model runner"),
    PatchTarget(PROFILER, V2, "GPUModelRunner.execute_model", ">=0.14", _execute_model_v2, optional=True,
                note="model runner V2 (default in recent vLLM)"),
]
