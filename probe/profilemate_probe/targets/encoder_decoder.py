"""Encoder time of multimodal and encoder-decoder models (worker process).

The vision/audio encoder runs in its own call before the decoder's forward: V1 runner
_execute_mm_encoder, model runner V2 EncoderRunner.execute_mm_encoder. Timed with pooled
CUDA events like the forward pass; the decoder side is the forward-pass timing.
"""
from ..patching import PatchTarget

PROFILER = "encoder_decoder"
_timer = [None]


def _get_timer(prof):
    t = _timer[0]
    if t is None:
        from ..gpu.event_timer import StepTimer
        cfg = prof.config.values

        def done(t0, duration, tag):
            prof.emit("encoder_decoder", t0, duration, "encoder", tag)

        t = StepTimer(done, batch_size=cfg.get("CUDA_EVENT_BATCH_SIZE", 100),
                      use_cuda_events=bool(cfg.get("USE_CUDA_EVENTS", True)))
        _timer[0] = t
        from ..exiting import at_exit
        at_exit(t.flush)
    return t


def _context(so):
    inputs = getattr(so, "scheduled_encoder_inputs", None) or {}
    return "requests=%d items=%d" % (len(inputs), sum(len(v) for v in inputs.values()))


def _encoder(original, prof):
    def execute_mm_encoder(self, *args, **kwargs):
        if not prof.enabled:
            return original(self, *args, **kwargs)
        try:
            so = args[0] if args else kwargs.get("scheduler_output")
            timed = _get_timer(prof).begin(_context(so) if so is not None else "")
        except Exception as exc:
            prof.fail("execute_mm_encoder", exc)
            return original(self, *args, **kwargs)
        try:
            return original(self, *args, **kwargs)
        finally:
            if timed:
                try:
                    _timer[0].end()
                except Exception as exc:
                    prof.fail("execute_mm_encoder", exc)
    return execute_mm_encoder


TARGETS = [
    PatchTarget(PROFILER, "vllm.v1.worker.gpu_model_runner", "GPUModelRunner._execute_mm_encoder", ">=0.11",
                _encoder, optional=True, note="V1 model runner"),
    PatchTarget(PROFILER, "vllm.v1.worker.gpu.mm.encoder_runner", "EncoderRunner.execute_mm_encoder", ">=0.14",
                _encoder, optional=True, note="model runner V2"),
]
