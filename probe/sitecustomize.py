"""ProfileMate: zero-code attach for vLLM. Put this folder on PYTHONPATH.

Profiling turns on by itself in vLLM processes (API server, EngineCore, workers, LLM(...)),
when they import vllm; every other Python process only pays for one import-hook lookup.
VLLM_ENABLE_PROFILING=1 forces it on, =0 off. Edit ProfilingConfig below, or override any
switch with an environment variable of the same name.
"""
import os
import sys


class ProfilingConfig:
    ENABLE_CUDA_GRAPH_TRACKING = True
    ENABLE_KV_CACHE_TRACKING = True
    ENABLE_MOE_EXPERT_TRACKING = True
    ENABLE_FORWARD_PASS_TIMING = True
    ENABLE_CPU_TIMING = True
    ENABLE_BATCH_UTILIZATION_TRACKING = True
    ENABLE_PREEMPTION_TRACKING = True
    ENABLE_ENCODER_DECODER_TIMING = True
    USE_CUDA_EVENTS = True        # False: host clocks only (lighter, less exact)
    CUDA_EVENT_BATCH_SIZE = 100   # read CUDA events back every N steps
    LOG_INTERVAL = 100            # flush the spool every N records (and about once a second)


def _chain_next_sitecustomize():
    """Runs the environment's own sitecustomize, which ours shadows on sys.path."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        from importlib.machinery import PathFinder
        from importlib.util import module_from_spec, spec_from_file_location
        rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
        spec = PathFinder.find_spec("sitecustomize", rest)
        if spec is None or spec.origin is None or os.path.abspath(spec.origin) == os.path.abspath(__file__):
            return
        spec = spec_from_file_location("_profilemate_chained_sitecustomize", spec.origin)
        module = module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.stderr.write("[profilemate] the environment's own sitecustomize failed: %s\n" % exc)


def _start_probe():
    flag = os.environ.get("VLLM_ENABLE_PROFILING", "").strip()
    if flag == "0":
        return
    try:
        import profilemate_probe
        profilemate_probe.bootstrap(ProfilingConfig, force=(flag == "1"), attach="PYTHONPATH sitecustomize")
    except Exception as exc:  # the host process must start regardless
        sys.stderr.write("[profilemate] probe not started: %s\n" % exc)


_chain_next_sitecustomize()
_start_probe()
