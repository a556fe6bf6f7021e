"""MoE expert load per layer: token counts, co-selection and routing-weight histograms
(worker process).

The router's Python runs only on eager steps, warm-up and graph capture; on graph replays
only the kernels captured with it run. So the hook keeps each layer's top-k tensors and, at the
step's last MoE layer, launches ONE fused, graph-safe kernel (gpu.moe_counter.ExpertCounter)
that counts all the layers into fixed device buffers: captured into every graph that contains
the routers, it counts every replayed step (MOE_COUNT_PER_STEP=0: one launch per layer, as
before). A piecewise graph holds one MoE layer, so it still launches once per layer. Padding rows of
a graph are masked with a one-element device tensor refreshed each step. The buffers are
copied out without a device sync every CUDA_EVENT_BATCH_SIZE steps, with the routing weights of
MOE_WEIGHT_SAMPLE_TOKENS tokens per layer from the last step before each copy (spread over its
real tokens), for moe_routing_weights_hist.csv.
"""
import os
from time import monotonic_ns

from ..config import NUMBERS
from ..patching import PatchTarget
from . import forward_pass

PROFILER = "moe"
_state = {"counter": None, "valid": None, "valid_now": None, "layers": 0, "experts": 0, "top_k": 0, "steps": 0,
          "pending": None, "prof": None}


def layer_index(name):
    digits = [p for p in str(name).split(".") if p.isdigit()]
    return int(digits[-1]) if digits else None


def _runner_init(original, prof):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if prof.enabled:
            try:
                router = self.router
                idx = layer_index(self.layer_name)
                if router is not None and idx is not None:
                    router._profilemate_layer = idx
                    # expert substitution (vLLM's SubstitutedRoutedExperts) rewrites the router's ids
                    # and weights in place before the next layer: those are counted at once
                    router._profilemate_keep = getattr(getattr(self, "routed_experts", None),
                                                       "expert_substitution", None) is None
                    _state["layers"] = max(_state["layers"], idx + 1)
                    _state["experts"] = max(_state["experts"], int(router.global_num_experts))
                    _state["top_k"] = max(_state["top_k"], int(router.top_k))
                    prof.emit("moe_layer", monotonic_ns(), idx, *layer_shape(self, router))
            except Exception as exc:
                prof.fail("MoERunner.__init__", exc)
    return __init__


def _model_config():
    """The model's text config (hf_config), or None outside vLLM's model construction."""
    try:
        from vllm.config import get_current_vllm_config
        hf = get_current_vllm_config().model_config.hf_config
    except Exception:
        return None
    get_text = getattr(hf, "get_text_config", None)
    return get_text() if callable(get_text) else hf


def layer_shape(runner, router):
    """What the moe_layer record says of one MoE layer after its fixed fields: the model's decoder
    layer count, routed experts, shared experts, top_k, expert groups, groups kept, routing and
    expert backend. Shared experts are a separate MLP that every token of the layer goes through
    (DeepSeek's n_shared_experts of them fused into one; Qwen2-MoE's one shared_expert)."""
    cfg = _model_config()
    layers = int(getattr(cfg, "num_hidden_layers", 0) or 0)
    shared = 0
    if getattr(runner, "shared_experts", None) is not None:
        shared = int(getattr(cfg, "n_shared_experts", None) or 1)
    groups = int(getattr(router, "num_expert_group", None) or 0)
    keep = int(getattr(router, "topk_group", None) or 0)
    routing = type(router).__name__
    scoring = getattr(router, "scoring_func", None)
    if scoring:
        routing += " " + str(scoring)
    quant = getattr(getattr(runner, "routed_experts", runner), "quant_method", None)
    return (layers, int(router.global_num_experts), shared, int(router.top_k), groups, keep, routing,
            _backend_name(quant))


def _backend_name(quant):
    """The expert kernel class a quant method picked (its class where it names none)."""
    experts = getattr(quant, "experts_cls", None)
    if isinstance(experts, type):
        return experts.__name__
    return "" if quant is None else type(quant).__name__


def _forward_monolithic(original, prof):
    """Monolithic expert kernels (FlashInfer TRTLLM MoE, ...) take the router logits and route
    inside the kernel: the hooked selection never runs, so the layer's counts cannot be recorded.
    Said once per layer, from the eager and capture runs that reach this Python."""
    said = set()

    def forward_monolithic(self, *args, **kwargs):
        if prof.enabled:
            try:
                idx = layer_index(getattr(self, "layer_name", ""))
                key = -1 if idx is None else idx
                if key not in said:
                    said.add(key)
                    prof.emit("moe_routing_hidden", monotonic_ns(), key,
                              _backend_name(getattr(self, "quant_method", None)))
            except Exception as exc:
                prof.fail("RoutedExperts.forward_monolithic", exc)
        return original(self, *args, **kwargs)
    return forward_monolithic


def _counter(device):
    c = _state["counter"]
    if c is None:
        import torch
        from ..gpu.moe_counter import ExpertCounter
        # First called inside vLLM's inference mode: tensors made there are inference tensors,
        # which may not be updated in place outside it (the read-back and reset at exit do).
        prof = _state["prof"]
        samples = (prof.config.values if prof is not None else NUMBERS)["MOE_WEIGHT_SAMPLE_TOKENS"]
        per_step = bool(prof.config.values.get("MOE_COUNT_PER_STEP", True)) if prof is not None else True
        # PROFILEMATE_MOE_BACKEND=torch|triton overrides the choice by device (the tests run the triton
        # kernels through vLLM's CPU router under TRITON_INTERPRET=1; torch sidesteps a broken triton)
        backend = os.environ.get("PROFILEMATE_MOE_BACKEND", "auto")
        with torch.inference_mode(False):
            c = ExpertCounter(_state["layers"], _state["experts"], _state["top_k"], device, weight_samples=samples,
                              per_step=per_step, backend=backend if backend in ("torch", "triton") else "auto")
            _state["valid"] = torch.full((1,), 1 << 30, dtype=torch.int32, device=device)
            _state["valid_now"] = None
        _state["counter"] = c
        from ..exiting import at_exit
        at_exit(lambda: _safe_flush(prof))  # by the process whose GPU holds the counts
    return c


def _select_experts(original, prof):
    def select_experts(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if prof.enabled:
            layer = getattr(self, "_profilemate_layer", None)
            if layer is not None:
                try:
                    weights, ids = result[0], result[1]
                    _counter(ids.device).record(layer, ids, weights, _state["valid"],
                                                getattr(self, "_profilemate_keep", True))
                except Exception as exc:
                    prof.fail("FusedMoERouter.select_experts", exc)
        return result
    return select_experts


def _capture_edge(original, prof):
    """Per-step counting keeps each layer's routing until the step's last layer and then counts all
    of them in one launch. A CUDA graph capture must contain that launch when it contains the
    layers, and must not when they ran before it: so whatever is kept is launched just before a
    capture begins (it belongs to eager work) and just before it ends (inside the graph)."""
    def edge(self, *args, **kwargs):
        # also with the profiler off: layers kept inside a capture must be launched inside it
        if _state["counter"] is not None:
            try:
                _state["counter"].flush()
            except Exception as exc:
                prof.fail("CUDAGraph capture edge", exc)
        return original(self, *args, **kwargs)
    return edge


def _on_step(num_tokens):
    """Per real step (from forward_pass): mask padding, and read the buffers every N steps."""
    prof = _state["prof"]
    c = _state["counter"]
    if c is None or prof is None or not prof.enabled:
        return
    try:
        # layers kept from a step that never reached its last MoE layer are launched now, while the
        # padding mask still holds their step's token count
        c.flush()
        if c.per_step_error and not _state.get("said"):
            _state["said"] = True   # counting goes on, one launch per layer
            prof.log("moe: one launch per step given up: %s" % c.per_step_error)
        if _state["steps"] == 0:
            c.reset()  # warm-up, memory-profiling and capture runs routed dummy tokens
        if num_tokens != _state["valid_now"]:
            # one kernel launch; steady decode repeats the same count step after step
            _state["valid"].fill_(num_tokens)
            _state["valid_now"] = num_tokens
        _state["steps"] += 1
        if _state["steps"] % prof.config.values.get("CUDA_EVENT_BATCH_SIZE", 100):
            return
        pending = _state["pending"]
        if pending is not None and pending.ready():
            emit_snapshot(prof, pending.result())
            pending = None
        if pending is None:
            _state["pending"] = c.start_read(reset=True)
    except Exception as exc:
        prof.fail("moe step read-back", exc)


def _nonzero(flat):
    """(keys, counts) of a flat int64 CPU tensor's nonzero cells, as raw int32 / int64 bytes."""
    import torch
    keys = flat.nonzero().squeeze(1)
    return keys.to(torch.int32).numpy().tobytes(), flat.index_select(0, keys).numpy().tobytes()


def emit_snapshot(prof, snap):
    """One window's statistics as fixed-width arrays: no text, so their cost and size do not grow
    with digits, and no length limit (spool minor 4)."""
    import torch
    t = snap.t_ns or monotonic_ns()
    calls = snap.calls.tolist()
    tokens = snap.tokens().tolist()
    used = snap.counts.sum(dim=1).tolist()
    experts = snap.counts.shape[1]
    bins = snap.weight_hist.shape[2]
    lo, hi = getattr(_state["counter"], "weight_range", (0.0, 1.0))
    for layer in range(snap.counts.shape[0]):
        if not used[layer] and not tokens[layer]:
            continue
        prof.emit("moe_expert_counts_v2", t, layer, int(calls[layer]), int(tokens[layer]),
                  snap.counts[layer].contiguous().numpy().tobytes())
        # the symmetric matrix's upper triangle: flat index i * E + j with i < j
        keys, counts = _nonzero(torch.triu(snap.coselection[layer], diagonal=1).reshape(-1))
        if keys:
            prof.emit("moe_expert_pairs_v2", t, layer, experts, keys, counts)
        keys, counts = _nonzero(snap.weight_hist[layer].reshape(-1))
        if keys:
            prof.emit("moe_weight_histogram_v2", t, layer, bins, lo, hi, keys, counts)
    for layer, token, expert, weight in snap.samples:
        prof.emit("moe_weight_sample", t, layer, token, expert, weight)


def flush():
    """At exit: the last window, waiting for its copy only."""
    prof, c = _state["prof"], _state["counter"]
    if prof is None or c is None:
        return
    import torch
    with torch.inference_mode():  # as the model ran: in-place updates work on any tensor there
        pending = _state["pending"]
        if pending is not None:
            emit_snapshot(prof, pending.result())
            _state["pending"] = None
        snap = c.read_and_reset()
    if snap is not None:
        emit_snapshot(prof, snap)


def setup(prof):
    _state["prof"] = prof
    forward_pass.STEP_LISTENERS.append(_on_step)


def _safe_flush(prof):
    try:
        flush()
    except Exception as exc:
        prof.fail("moe flush", exc)


ROUTERS = "vllm.model_executor.layers.fused_moe.router"
TARGETS = [
    # which class builds the router and which one routes moved between releases: each target
    # attaches only where its class defines the method itself, so a step never counts twice
    PatchTarget(PROFILER, "vllm.model_executor.layers.fused_moe.runner.moe_runner", "MoERunner.__init__", ">=0.14",
                _runner_init, optional=True, note="newer vLLM: maps each router to its layer index"),
    PatchTarget(PROFILER, "vllm.model_executor.layers.fused_moe.layer", "FusedMoE.__init__", ">=0.14",
                _runner_init, optional=True, note="older vLLM: the layer owns its router"),
    PatchTarget(PROFILER, ROUTERS + ".fused_moe_router", "FusedMoERouter.select_experts", ">=0.14", _select_experts,
                optional=True, note="newer vLLM: routing of every MoE layer"),
    PatchTarget(PROFILER, ROUTERS + ".base_router", "BaseRouter.select_experts", ">=0.14", _select_experts,
                optional=True, note="older vLLM: routing of every MoE layer"),
    PatchTarget(PROFILER, "torch.cuda.graphs", "CUDAGraph.capture_begin", ">=0.11", _capture_edge, optional=True,
                note="launches the kept layers' counting before a graph capture begins (per-step counting)"),
    PatchTarget(PROFILER, "torch.cuda.graphs", "CUDAGraph.capture_end", ">=0.11", _capture_edge, optional=True,
                note="and inside the graph just before its capture ends"),
    PatchTarget(PROFILER, "vllm.model_executor.layers.fused_moe.routed_experts", "RoutedExperts.forward_monolithic",
                ">=0.14", _forward_monolithic, optional=True,
                note="monolithic expert kernels (FlashInfer TRTLLM MoE, ...) route inside the kernel: their layers' "
                     "MoE counts are not recorded, and the session says so"),
]
