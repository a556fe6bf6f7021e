"""Profiler switches: the ProfilingConfig class in sitecustomize.py, then environment overrides."""
import os

FLAGS = (
    "ENABLE_CUDA_GRAPH_TRACKING", "ENABLE_KV_CACHE_TRACKING", "ENABLE_MOE_EXPERT_TRACKING",
    "ENABLE_FORWARD_PASS_TIMING", "ENABLE_CPU_TIMING", "ENABLE_BATCH_UTILIZATION_TRACKING",
    "ENABLE_PREEMPTION_TRACKING", "ENABLE_ENCODER_DECODER_TIMING", "USE_CUDA_EVENTS",
    "MOE_COUNT_PER_STEP",
)
# MOE_COUNT_PER_STEP: MoE routing counted by one GPU launch per forward step (off: one per layer)
# MOE_WEIGHT_SAMPLE_TOKENS: tokens per MoE layer whose routing weights go to
# moe_routing_weights_hist.csv at each read-back (every CUDA_EVENT_BATCH_SIZE forward steps)
# MAX_DISK_MB: the session's raw/ budget, oldest closed segments dropped first (0: no budget);
# SEGMENT_MB, SEGMENT_MINUTES: a process's spool starts a new segment past either (segments.py)
NUMBERS = {"CUDA_EVENT_BATCH_SIZE": 100, "LOG_INTERVAL": 100, "MOE_WEIGHT_SAMPLE_TOKENS": 8,
           "MAX_DISK_MB": 1024, "SEGMENT_MB": 64, "SEGMENT_MINUTES": 10, "SHUTDOWN_GRACE_SECONDS": 5,
           "ANCHOR_SECONDS": 10}
# SHUTDOWN_GRACE_SECONDS: under vLLM's abort shutdown, how long the EngineCore may take to exit and
# close its spool before vLLM kills it (targets/shutdown.py; 0: vLLM's immediate kill)
# ANCHOR_SECONDS: how often the spool thread writes a clock_anchor record (monotonic vs wall clock)
_LEAST = {"MOE_WEIGHT_SAMPLE_TOKENS": 0, "MAX_DISK_MB": 0, "SHUTDOWN_GRACE_SECONDS": 0}   # the others are at least 1
# the environment's names for numbers users set per launch, in the VLLM_PROFILING_* style
ALIASES = {"LOG_INTERVAL": "VLLM_PROFILING_LOG_INTERVAL", "MAX_DISK_MB": "VLLM_PROFILING_MAX_DISK_MB",
           "SEGMENT_MB": "VLLM_PROFILING_SEGMENT_MB", "SEGMENT_MINUTES": "VLLM_PROFILING_SEGMENT_MINUTES",
           "SHUTDOWN_GRACE_SECONDS": "VLLM_PROFILING_SHUTDOWN_GRACE",
           "ANCHOR_SECONDS": "VLLM_PROFILING_ANCHOR_SECONDS"}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class Config:
    def __init__(self, values):
        self.values = dict(values)

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self):
        return dict(sorted(self.values.items()))


def load(config_class=None, environ=None):
    env = os.environ if environ is None else environ
    values = {f: True for f in FLAGS}
    values.update(NUMBERS)
    for name in list(values):
        if config_class is not None and hasattr(config_class, name):
            values[name] = getattr(config_class, name)
    for name in FLAGS:
        raw = env.get(name)
        if raw is not None and raw.strip().lower() in _TRUE + _FALSE:
            values[name] = raw.strip().lower() in _TRUE
    for name in NUMBERS:
        raw = env.get(name) or (env.get(ALIASES[name]) if name in ALIASES else None)
        if raw:
            try:
                values[name] = max(_LEAST.get(name, 1), int(raw))
            except ValueError:
                pass
    # the GPU kernel samples a power of two of rows (0: none): the value in effect is what metadata shows
    try:
        tokens = max(0, min(64, int(values["MOE_WEIGHT_SAMPLE_TOKENS"])))
    except (TypeError, ValueError):
        tokens = NUMBERS["MOE_WEIGHT_SAMPLE_TOKENS"]
    values["MOE_WEIGHT_SAMPLE_TOKENS"] = 1 << (tokens.bit_length() - 1) if tokens > 0 else 0
    values["VERBOSE"] = env.get("VLLM_PROFILING_VERBOSE", "") in _TRUE
    return Config(values)
