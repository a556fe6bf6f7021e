"""Scheduler steps: the decision, tokens by phase, queues, KV usage, CPU time (EngineCore).

One scheduler_step record per Scheduler.schedule(); batch utilisation, KV usage over time
and scheduling CPU time are all cut from it by the engine.
"""
import json
from time import monotonic_ns

from ..hooks import after, around
from ..patching import PatchTarget
from . import _state
from .kv_cache import log_evictions, replay

PROFILER = "scheduler"
SCHED = "vllm.v1.core.sched.scheduler"

_track_requests = [True]


def setup(prof):
    _track_requests[0] = bool(prof.config.values.get("ENABLE_PREEMPTION_TRACKING", True))


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


# -- scheduler thread: the hooks ---------------------------------------------------------------
# Each hook reads what changes after it returns (queue lengths, free blocks, finish reasons) and
# hands that, with vLLM's SchedulerOutput (not changed once schedule() returns), to the spool
# thread; everything derived from it is worked out there, in record order.

def _schedule(original, prof):
    in_schedule = _state.IN_SCHEDULE
    pending = _state.EVICTED
    preempted = _state.PREEMPTED
    hits = _state.HITS
    kv_log = _state.KV_LOG

    def schedule(self, *args, **kwargs):
        if not prof.enabled:
            _state.KV_LOG.clear()  # nobody hands it over any more
            return original(self, *args, **kwargs)
        in_schedule[0] = True
        t0 = monotonic_ns()
        try:
            so = original(self, *args, **kwargs)
        finally:
            in_schedule[0] = False
        t1 = monotonic_ns()
        try:
            pool = self.__dict__.get("_profilemate_pool") or _pool(self)
            if pending:  # evicted outside an allocation (e.g. vLLM's evict_blocks)
                log_evictions(pool, t1)
            kv = None
            if kv_log:  # the step's KV work goes with its record
                kv = kv_log[:]
                kv_log.clear()
            prof.put((_step_record, prof, self, so, t0, t1, len(self.running), len(self.waiting),
                      pool.free_block_queue.num_free_blocks, hits[0],
                      _resumed(self, so, preempted) if preempted else None, kv))
            hits[0] = 0
        except Exception as exc:
            prof.fail("Scheduler.schedule", exc)
        return so
    return schedule


def _resumed(sched, so, preempted):
    """Preempted requests scheduled again, with their output tokens so far."""
    out = []
    counts = so.num_scheduled_tokens
    for rid in list(preempted):
        if rid in counts:
            preempted.discard(rid)
            req = sched.requests.get(rid)
            out.append((rid, req.num_output_tokens if req else 0))
    return out


def _update(original, prof):
    finished = _state.FINISHED

    def update_from_output(self, *args, **kwargs):
        if not prof.enabled:
            return original(self, *args, **kwargs)
        finished[0] = 0
        t0 = monotonic_ns()
        outputs = original(self, *args, **kwargs)
        t1 = monotonic_ns()
        try:
            so = args[0] if args else kwargs["scheduler_output"]
            mro = args[1] if len(args) > 1 else kwargs["model_runner_output"]
            # the per-request lists of sampled ids are counted, never read, on the spool thread
            prof.put((_output_record, prof, so, t0, t1, mro.sampled_token_ids, finished[0]))
        except Exception as exc:
            prof.fail("Scheduler.update_from_output", exc)
        return outputs
    return update_from_output


def _free_request(original, prof):
    finished = _state.FINISHED

    def _free_request(self, request, *args, **kwargs):
        result = original(self, request, *args, **kwargs)
        if prof.enabled:
            try:
                finished[0] += 1
                if _track_requests[0]:
                    # every finished request passes here, whatever ended it (stop, length,
                    # abort, error): its real reason is read now from vLLM's request status
                    rid = request.request_id
                    _state.PREEMPTED.discard(rid)
                    reason = request.get_finished_reason()
                    prof.defer(_finished, prof, monotonic_ns(), rid, request.num_output_tokens,
                               (getattr(reason, "name", None) or str(reason)).lower())
            except Exception as exc:
                prof.fail("Scheduler._free_request", exc)
        return result
    return _free_request


def _on_add_request(prof, args, kwargs, result, t0, t1):
    if _track_requests[0]:
        req = args[1] if len(args) > 1 else kwargs["request"]
        prof.defer(_added, prof, t0, req.request_id, req.num_prompt_tokens)


def _before_preempt(prof, args, kwargs):
    req = args[1] if len(args) > 1 else kwargs["request"]
    return req.request_id, req.num_computed_tokens, req.num_output_tokens


def _on_preempt(prof, args, kwargs, result, ctx, t0, t1):
    rid, computed, out = ctx
    _state.PREEMPTED.add(rid)
    reason = "kv_cache_full" if _state.IN_SCHEDULE[0] else "prefix_cache_reset"
    policy = getattr(getattr(args[0], "policy", None), "name", "")
    if reason == "kv_cache_full" and policy.lower() == "priority":
        reason = "kv_cache_full_priority"
    if _track_requests[0]:
        prof.defer(_preempted, prof, t0, rid, out, computed, reason)


# -- spool thread: the records -----------------------------------------------------------------
_step = [0]
# id(SchedulerOutput) -> (its step, its prefill request ids), from the step to its output
_STEPS = {}


def _spool_side(where):
    """A deferred function's error turns its profiler off, as a hook's would."""
    def deco(fn):
        def run(prof, *args):
            if not prof.enabled:
                return None
            try:
                return fn(*args)
            except Exception as exc:
                prof.fail(where, exc)
                return None
        return run
    return deco


def _prefill_ids(so):
    """Requests doing prefill work in this step, from the SchedulerOutput alone: new ones,
    cached ones with no output yet (chunked prefill) and resumed ones recomputing."""
    ids = [new.req_id for new in so.scheduled_new_reqs]
    cached = so.scheduled_cached_reqs
    req_ids = cached.req_ids
    if req_ids:
        outs = cached.num_output_tokens
        i = -1
        for _ in range(outs.count(0)):
            i = outs.index(0, i + 1)
            ids.append(req_ids[i])
        resumed = cached.resumed_req_ids
        if resumed:
            ids.extend(rid for rid in resumed if outs[req_ids.index(rid)] != 0)
    return ids


def _first_tokens(so, prefill):
    """The step's prefill requests whose prompt is complete after it: their first output token
    comes from this step (a resumed request's was seen before)."""
    live = _state.LIVE
    counts = so.num_scheduled_tokens
    cached = so.scheduled_cached_reqs
    computed = {new.req_id: new.num_computed_tokens for new in so.scheduled_new_reqs}
    if len(computed) < len(prefill):
        computed.update(zip(cached.req_ids, cached.num_computed_tokens))
    out = []
    for rid in prefill:
        state = live.get(rid)
        if state is not None and not state[1] and computed[rid] + counts[rid] >= state[0]:
            out.append(rid)
    return out


@_spool_side("Scheduler.schedule")
def _step_record(sched, so, t0, t1, running, waiting, free_blocks, prefix_hits, resumed, kv):
    out = replay(kv) if kv else []  # evictions, and the step's allocation count
    counts = so.num_scheduled_tokens
    new_reqs = so.scheduled_new_reqs
    cached = so.scheduled_cached_reqs
    prefill = _prefill_ids(so) if (new_reqs or 0 in cached.num_output_tokens or cached.resumed_req_ids) else ()
    pre_tok = 0
    for rid in prefill:
        pre_tok += counts[rid]
    step = _step[0]
    _step[0] = step + 1
    if len(_STEPS) > 64:
        _STEPS.clear()  # outputs that never came back (aborted engine steps)
    _STEPS[id(so)] = (step, _first_tokens(so, prefill) if prefill and _track_requests[0] else ())
    total = so.total_num_scheduled_tokens
    # usage exactly as BlockPool.get_usage() computes it (the null block excluded)
    kv_total = _pool(sched).num_gpu_blocks - 1
    used = kv_total - free_blocks
    preempted = so.preempted_req_ids
    c = _state.COUNTERS
    if _track_requests[0] and (new_reqs or resumed):
        _request_events(out, t1, new_reqs, resumed)
    n = len(counts)
    out.append(("scheduler_step", (
        t0, step, t1 - t0, n, total, len(prefill), n - len(prefill), pre_tok, total - pre_tok,
        running, waiting, sched.max_num_running_reqs, sched.max_num_scheduled_tokens,
        used, kv_total, used / kv_total if kv_total else 0.0, len(preempted) if preempted else 0,
        len(new_reqs), len(so.finished_req_ids), c.allocated, c.evicted, prefix_hits)))
    c.allocated = c.evicted = 0
    return out


def _request_events(out, t, new_reqs, resumed):
    live = _state.LIVE
    again = {rid for rid, _ in resumed} if resumed else ()
    for new in new_reqs:
        rid = new.req_id
        if rid in again:
            continue  # model runner V2 sends resumed requests as new ones: "resumed" below
        out.append(("request_event", (t, 2, live.get(rid, (0,))[0], 0, new.num_computed_tokens, rid, "")))
    for rid, outs in resumed or ():
        out.append(("request_event", (t, 4, 0, outs, 0, rid, "")))


@_spool_side("Scheduler.update_from_output")
def _output_record(so, t0, t1, sampled_lists, finished):
    step, first = _STEPS.pop(id(so), (_step[0] - 1, ()))
    out = []
    live = _state.LIVE
    for rid in first:
        state = live.get(rid)
        if state is not None and not state[1]:
            state[1] = True
            out.append(("request_event", (t1, 6, state[0], 1, 0, rid, "")))
    # counts only: token ids are never recorded
    sampled = sum(map(len, sampled_lists)) if sampled_lists else 0
    out.append(("step_output", (t0, step, t1 - t0, sampled, finished)))
    return out


@_spool_side("Scheduler.add_request")
def _added(t, rid, prompt_tokens):
    if rid in _state.LIVE:
        return None  # a streaming update of a live request, not a new arrival
    _state.LIVE[rid] = [prompt_tokens, False]
    return (("request_event", (t, 1, prompt_tokens, 0, 0, rid, "")),)


@_spool_side("Scheduler._free_request")
def _finished(t, rid, outs, reason):
    state = _state.LIVE.pop(rid, None)
    if state is None:
        return None
    out = []
    if outs and not state[1]:
        out.append(("request_event", (t, 6, state[0], outs, 0, rid, "")))  # first token in its last step
    out.append(("request_event", (t, 5, state[0], outs, 0, rid, reason)))
    return out


@_spool_side("Scheduler._preempt_request")
def _preempted(t, rid, outs, computed, reason):
    state = _state.LIVE.get(rid)
    return (("request_event", (t, 3, state[0] if state else 0, outs, computed, rid, reason)),)


TARGETS = [
    PatchTarget(PROFILER, SCHED, "Scheduler.__init__", ">=0.11", after(_on_init)),
    PatchTarget(PROFILER, SCHED, "Scheduler.schedule", ">=0.11", _schedule),
    PatchTarget(PROFILER, SCHED, "Scheduler.update_from_output", ">=0.11", _update),
    PatchTarget(PROFILER, SCHED, "Scheduler.add_request", ">=0.11", after(_on_add_request)),
    PatchTarget(PROFILER, SCHED, "Scheduler._free_request", ">=0.11", _free_request,
                note="every finished request, with vLLM's own finish reason"),
    PatchTarget(PROFILER, SCHED, "Scheduler._preempt_request", ">=0.11", around(_before_preempt, _on_preempt),
                note="preemptions with the tokens they throw away"),
]
