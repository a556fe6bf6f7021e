"""The probe's own environment variables (SPEC §1) as vLLM's start-up check sees them.

vLLM checks every VLLM_* variable against its registry: unknown ones give a warning at each
start, or stop the server under --fail-on-environ-validation. While the probe is active its
names are known for the duration of that check only: kept in the registry, they would also
enter vLLM's torch.compile cache key (envs.compile_factors hashes every known variable), and a
session folder that changes every run would defeat the compile cache.
"""
import os

from ..patching import PatchTarget

PROFILER = "environ"
NAMES = ("VLLM_ENABLE_PROFILING", "VLLM_PROFILING_DIR", "VLLM_PROFILING_LOG_INTERVAL", "VLLM_PROFILING_VERBOSE",
         "VLLM_PROFILING_MAX_DISK_MB", "VLLM_PROFILING_SEGMENT_MB", "VLLM_PROFILING_SEGMENT_MINUTES",
         "VLLM_PROFILING_OTLP_ENDPOINT", "VLLM_PROFILING_SHUTDOWN_GRACE", "VLLM_PROFILING_METRICS_PORT",
         "VLLM_PROFILING_METRICS_BIND", "VLLM_PROFILING_METRICS_LINGER", "VLLM_PROFILING_METRICS_MOE_EXPERTS",
         "VLLM_PROFILING_TRIGGERS", "VLLM_PROFILING_PROFILE_URL",
         "VLLM_PROFILING_ANCHOR_SECONDS", "VLLM_PROFILING_NODE")


def _known_during_check(original, prof):
    def validate_environ(*args, **kwargs):
        added = []
        registry = None
        if prof.enabled:
            try:
                from vllm import envs
                registry = envs.environment_variables
                for name in NAMES:
                    if name not in registry:
                        registry[name] = lambda name=name: os.getenv(name)
                        added.append(name)
            except Exception as exc:
                prof.fail("validate_environ", exc)
        try:
            return original(*args, **kwargs)
        finally:
            for name in added:
                registry.pop(name, None)
    return validate_environ


TARGETS = [
    PatchTarget(PROFILER, "vllm.envs", "validate_environ", ">=0.20", _known_during_check, optional=True,
                note="module function in the 0.2x line"),
    PatchTarget(PROFILER, "vllm.platforms.interface", "Platform.validate_environ", ">=0.27", _known_during_check,
                optional=True, note="a Platform classmethod in newer vLLM"),
]
