"""Engine shutdown (the API server's process manager): time for the EngineCore to close its spool.

Under vLLM's default abort shutdown (`--shutdown-timeout 0`) the process manager sends the
EngineCore SIGTERM and, with no window left, SIGKILL right after it (vllm.v1.utils.shutdown with
timeout 0; VLLM_WORKER_SHUTDOWN_TIMEOUT_SECONDS, when set, is vLLM's own window). The EngineCore
exits from SIGTERM through its finally block and multiprocessing's finalizers, where the probe
closes its spool; killed first, it loses up to a flush interval of records, the last request
finishes among them (bench/results/h200/wheel). With the probe on, a zero window becomes
VLLM_PROFILING_SHUTDOWN_GRACE seconds (default 5, vLLM's own default for its workers): the wait
ends as soon as the EngineCore has exited, requests are still aborted at once, and 0 keeps vLLM's
behaviour.
"""
from ..patching import PatchTarget

PROFILER = "shutdown"


def _grace_for_spools(original, prof):
    said = []

    def shutdown(procs, timeout=None):
        try:
            grace = prof.config.values.get("SHUTDOWN_GRACE_SECONDS", 0) if prof.enabled else 0
            if timeout is not None and timeout <= 0 < grace and not _vllm_window_set():
                if not said:
                    said.append(1)
                    prof.log("vLLM's abort shutdown would SIGKILL the EngineCore at once: waiting up to %d s "
                             "for it to exit and close its spool (VLLM_PROFILING_SHUTDOWN_GRACE=0 keeps vLLM's)"
                             % grace)
                timeout = float(grace)
        except Exception as exc:
            prof.fail("shutdown", exc)
        return original(procs, timeout=timeout)
    return shutdown


def _vllm_window_set():
    """True when the user set vLLM's own kill window: theirs stands."""
    import os
    return os.environ.get("VLLM_WORKER_SHUTDOWN_TIMEOUT_SECONDS") is not None


TARGETS = [
    # engine/utils imports shutdown by name: CoreEngineProcManager.shutdown calls this binding
    PatchTarget(PROFILER, "vllm.v1.engine.utils", "shutdown", ">=0.10", _grace_for_spools, optional=True,
                note="the EngineCore process manager's SIGTERM-then-SIGKILL helper"),
]
