"""Reusable GPU-side components for the probe's vLLM hooks.

- event_timer.StepTimer: per-step GPU time from pooled CUDA events, read back in batches
  with query(), never a device synchronize in the hot path (host-clock mode too).
- moe_counter.ExpertCounter: per-layer expert counts, co-selection pairs and routing-weight
  histograms accumulated in fixed GPU buffers by one fused Triton launch per call; safe
  inside CUDA graph capture/replay and under torch.compile (an opaque custom op).
- graph_counter.GraphUseCounter: capture / replay / eager classification of CUDA-graph
  wrapper calls per descriptor, with discard of profiling captures (pure Python).

Importing this package imports neither torch nor triton: each component imports them
on first use and falls back cleanly when CUDA or triton is absent.
"""

__all__ = ["StepTimer", "ExpertCounter", "ExpertSnapshot", "GraphUseCounter"]


def __getattr__(name):
    if name == "StepTimer":
        from .event_timer import StepTimer
        return StepTimer
    if name in ("ExpertCounter", "ExpertSnapshot"):
        from . import moe_counter
        return getattr(moe_counter, name)
    if name == "GraphUseCounter":
        from .graph_counter import GraphUseCounter
        return GraphUseCounter
    raise AttributeError(name)
