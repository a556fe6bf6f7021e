"""Scheduler steps: the decision, tokens by phase, queues, KV usage, CPU time (EngineCore).

One scheduler_step record per Scheduler.schedule(); batch utilisation, KV usage over time
and scheduling CPU time are all cut from it by the engine.
"""
import json
from time import monotonic_ns

from ..hooks import after, around
from ..patching import PatchTarget
from . import _state

PROFILER = "scheduler"
SCHED = "vllm.v1.core.sched.scheduler"

_step = [0]
_track_requests = [True]


def setup(prof):
    _track_requests[0] = bool(prof.config.values.get("ENABLE_PREEMPTION_TRACKING", True))


def _req(prof, *values):
    if _track_requests[0]:
        prof.emit("request_event", *values)


def _config_json(sched):
    """Engine settings users compare sessions by; never prompts or user data."""
    cfg = getattr(sched, "vllm_config", None)
    out = {}
    mc = getattr(cfg, "model_config", None)
    sc = getattr(cfg, "scheduler_config", None) or getattr(sched, "scheduler_config", None)
    cc = getattr(cfg, "cache_config", None) or getattr(sched, "cache_config", None)
    pc = getattr(cfg, "parallel_config", None)
    comp = getattr(cfg, "compilation_config", None)
    hf = getattr(mc, "hf_config", None)
    for key, obj, attr in (
        ("model", mc, "model"), ("served_model_name", mc, "served_model_name"),
        ("dtype", mc, "dtype"), ("max_model_len", mc, "max_model_len"),
        ("max_num_seqs", sc, "max_num_seqs"), ("max_num_batched_tokens", sc, "max_num_batched_tokens"),
        ("enable_chunked_prefill", sc, "enable_chunked_prefill"), ("scheduling_policy", sc, "policy"),
        ("async_scheduling", sc, "async_scheduling"),
        ("block_size", cc, "block_size"), ("num_gpu_blocks", cc, "num_gpu_blocks"),
        ("enable_prefix_caching", cc, "enable_prefix_caching"),
        ("gpu_memory_utilization", cc, "gpu_memory_utilization"), ("kv_cache_dtype", cc, "cache_dtype"),
        ("tensor_parallel_size", pc, "tensor_parallel_size"),
        ("pipeline_parallel_size", pc, "pipeline_parallel_size"),
        ("data_parallel_size", pc, "data_parallel_size"),
        ("cudagraph_mode", comp, "cudagraph_mode"), ("cudagraph_capture_sizes", comp, "cudagraph_capture_sizes"),
    ):
        value = getattr(obj, attr, None) if obj is not None else None
        if value is not None:
            out[key] = value if isinstance(value, (int, float, bool, list)) else str(value)
    arch = {}
    for attr in ("architectures", "model_type", "hidden_size", "intermediate_size", "num_hidden_layers",
                 "num_attention_heads", "num_key_value_heads", "vocab_size", "num_local_experts",
                 "num_experts", "num_experts_per_tok", "moe_intermediate_size", "head_dim"):
        value = getattr(hf, attr, None) if hf is not None else None
        if isinstance(value, (int, float, str, list)):
            arch[attr] = value
    if arch:
        out["model_config"] = arch
    try:
        from importlib.metadata import version
        out["vllm_version"] = version("vllm")
    except Exception:
        pass
    try:
        import torch
        out["torch_version"] = torch.__version__
        out["cuda_version"] = torch.version.cuda
    except Exception:
        pass
    return json.dumps(out, sort_keys=True, default=str)


def _on_init(prof, args, kwargs, result, t0, t1):
    sched = args[0]
    prof.emit("engine_config", t1, _config_json(sched))


def _pool(sched):
    pool = sched.__dict__.get("_profilemate_pool")
    if pool is None:
        kvm = sched.kv_cache_manager
        pool = getattr(kvm, "block_pool", None) or kvm.coordinator.block_pool
        sched._profilemate_pool = pool
    return pool


def _kv_blocks(sched):
    """(used, total, usage) exactly as BlockPool.get_usage() computes usage (null block excluded)."""
    pool = _pool(sched)
    total = pool.num_gpu_blocks - 1
    free = pool.get_num_free_blocks()
    return total - free, total, (1.0 - free / total) if total else 0.0


def _before_schedule(prof, args, kwargs):
    _state.IN_SCHEDULE[0] = True


def _on_schedule(prof, args, kwargs, so, ctx, t0, t1):
    _state.IN_SCHEDULE[0] = False
    sched = args[0]
    counts = so.num_scheduled_tokens
    # Prefill work, from the SchedulerOutput alone (no per-request lookups): new requests,
    # requests still inside their prompt (chunked prefill), and resumed ones recomputing.
    pre_tok = pre_reqs = 0
    new_reqs = so.scheduled_new_reqs
    for new in new_reqs:
        pre_tok += counts[new.req_id]
    pre_reqs = len(new_reqs)
    cached = so.scheduled_cached_reqs
    if cached.req_ids:
        resumed = cached.resumed_req_ids
        for rid, outs in zip(cached.req_ids, cached.num_output_tokens):
            if outs == 0 or rid in resumed:
                pre_tok += counts[rid]
                pre_reqs += 1
    total = so.total_num_scheduled_tokens
    used, kv_total, usage = _kv_blocks(sched)
    preempted = so.preempted_req_ids
    c = _state.COUNTERS
    alloc, evicted, hits = c.allocated, c.evicted, c.prefix_hit
    c.allocated = c.evicted = c.prefix_hit = 0
    step = _step[0]
    _step[0] = step + 1
    if _track_requests[0]:
        _request_events(prof, t1, sched, new_reqs, counts, cached)
    prof.emit(
        "scheduler_step", t0, step, t1 - t0, len(counts), total,
        pre_reqs, len(counts) - pre_reqs, pre_tok, total - pre_tok,
        len(sched.running), len(sched.waiting),
        sched.max_num_running_reqs, sched.max_num_scheduled_tokens,
        used, kv_total, usage, len(preempted) if preempted else 0,
        len(new_reqs), len(so.finished_req_ids), alloc, evicted, hits)


def _request_events(prof, t, sched, new_reqs, counts, cached):
    live = _state.LIVE
    preempted = _state.PREEMPTED
    emit = prof.emit
    for new in new_reqs:
        rid = new.req_id
        if rid in preempted:
            continue  # model runner V2 sends resumed requests as new ones: "resumed" below
        emit("request_event", t, 2, live.get(rid, (0,))[0], 0, new.num_computed_tokens, rid, "")
    if preempted:
        for rid in list(preempted):
            if rid in counts:
                preempted.discard(rid)
                req = sched.requests.get(rid)
                emit("request_event", t, 4, 0, req.num_output_tokens if req else 0, 0, rid, "")


def _on_update(prof, args, kwargs, outputs, t0, t1):
    so = args[1]
    live = _state.LIVE
    sampled = 0
    finished = 0
    for eco in outputs.values():
        for out in eco.outputs:
            rid = out.request_id
            state = live.get(rid)
            n = len(out.new_token_ids)  # a count only: token ids are never recorded
            sampled += n
            if state is not None:
                state[1] += n
                if n and not state[2]:
                    state[2] = True
                    _req(prof, t1, 6, state[0], state[1], 0, rid, "")
            if out.finish_reason is not None:
                finished += 1
                _finish(prof, t1, rid, out.finish_reason)
    prof.emit("step_output", t0, _step[0] - 1, t1 - t0, sampled, finished)


def _finish(prof, t, rid, reason):
    state = _state.LIVE.pop(rid, None)
    if state is None:
        return
    _state.PREEMPTED.discard(rid)
    name = getattr(reason, "name", None) or str(reason)
    _req(prof, t, 5, state[0], state[1], 0, rid, name.lower())


def _on_add_request(prof, args, kwargs, result, t0, t1):
    req = args[1] if len(args) > 1 else kwargs["request"]
    rid = req.request_id
    if rid in _state.LIVE:
        return  # a streaming update of a live request, not a new arrival
    _state.LIVE[rid] = [req.num_prompt_tokens, 0, False]
    _req(prof, t0, 1, req.num_prompt_tokens, 0, 0, rid, "")


def _on_finish_requests(prof, args, kwargs, result, t0, t1):
    status = args[2] if len(args) > 2 else kwargs.get("finished_status")
    reason = getattr(status, "name", "aborted").lower().replace("finished_", "")
    if reason == "aborted":
        reason = "abort"
    for req in result or ():
        rid = getattr(req, "request_id", None) or (req[0] if isinstance(req, tuple) else req)
        _finish(prof, t1, rid, reason)


def _before_preempt(prof, args, kwargs):
    req = args[1] if len(args) > 1 else kwargs["request"]
    return req.request_id, req.num_computed_tokens, req.num_output_tokens


def _on_preempt(prof, args, kwargs, result, ctx, t0, t1):
    rid, computed, out = ctx
    _state.PREEMPTED.add(rid)
    state = _state.LIVE.get(rid)
    reason = "kv_cache_full" if _state.IN_SCHEDULE[0] else "prefix_cache_reset"
    policy = getattr(getattr(args[0], "policy", None), "name", "")
    if reason == "kv_cache_full" and policy.lower() == "priority":
        reason = "kv_cache_full_priority"
    _req(prof, t0, 3, state[0] if state else 0, out, computed, rid, reason)


TARGETS = [
    PatchTarget(PROFILER, SCHED, "Scheduler.__init__", ">=0.11", after(_on_init)),
    PatchTarget(PROFILER, SCHED, "Scheduler.schedule", ">=0.11", around(_before_schedule, _on_schedule)),
    PatchTarget(PROFILER, SCHED, "Scheduler.update_from_output", ">=0.11", after(_on_update)),
    PatchTarget(PROFILER, SCHED, "Scheduler.add_request", ">=0.11", after(_on_add_request)),
    PatchTarget(PROFILER, SCHED, "Scheduler.finish_requests", ">=0.11", after(_on_finish_requests)),
    PatchTarget(PROFILER, SCHED, "Scheduler._preempt_request", ">=0.11", around(_before_preempt, _on_preempt),
                note="preemptions with the tokens they throw away"),
]
