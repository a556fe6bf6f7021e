"""Scheduler steps: the decision, tokens by phase, queues, KV usage, CPU time (EngineCore).

One scheduler_step_v2 record per Scheduler.schedule(), its limits once in scheduler_limits;
batch utilisation, KV usage over time and scheduling CPU time are all cut from them by the engine.
"""
from collections import deque
import json
from time import monotonic_ns

from ..hooks import after, around
from ..patching import PatchTarget
from ..spool import StringRecord, encode_strings, packer
from . import _state
from ._phases import prefill_ids as _prefill_ids

PROFILER = "scheduler"
SCHED = "vllm.v1.core.sched.scheduler"

_STEP = packer("scheduler_step_v2")
_LIMITS = packer("scheduler_limits")
_UPDATE = packer("scheduler_update")
# request events are packed where they happen, each request's id encoded once (at arrival):
# packing them on the spool thread cost it several microseconds apiece, under the GIL
_REQ = StringRecord("request_event")
_REQ_HEAD, _REQ_TYPE, _REQ_FIXED = _REQ.head, _REQ.type_id, _REQ.fixed_size
EV_ARRIVED, EV_SCHEDULED, EV_PREEMPTED, EV_RESUMED, EV_FINISHED, EV_FIRST_TOKEN = 1, 2, 3, 4, 5, 6
_step = [0]
_track_requests = [True]
# id(SchedulerOutput) -> its prefill request ids, from schedule() to update_from_output()
_PREFILLS = {}
# requests scheduled for prefill that have shown no first token yet: while there are none, a
# step with one token per request and no new or resumed request is pure decode, and the
# per-request scan for prefill work is skipped
_AWAITING_FIRST = set()


def setup(prof):
    _track_requests[0] = bool(prof.config.values.get("ENABLE_PREEMPTION_TRACKING", True))


def _event(out, t, kind, prompt, outs, computed, tail):
    """One request_event; `tail` is its request id (and reason) from encode_strings."""
    out(_REQ_HEAD(_REQ_FIXED + len(tail), _REQ_TYPE, t, kind, prompt, outs, computed) + tail)


def _live(rid):
    """[num_prompt_tokens, first_token_seen, encoded id] of a live request; made up for one
    that arrived before the probe attached."""
    state = _state.LIVE.get(rid)
    return state if state is not None else [0, False, encode_strings(rid, "")]


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
    _fixed(sched, prof, t1)


# The probe's per-scheduler attributes are read with getattr, never through sched.__dict__:
# reading an instance's __dict__ can turn its inline attribute values into a dict for good,
# which slows vLLM's own methods (as it did BlockPool's, see kv_cache._select); today's
# Scheduler has too many attributes to be inline, a slimmer one might not.
def _pool(sched):
    pool = getattr(sched, "_profilemate_pool", None)
    if pool is None:
        kvm = sched.kv_cache_manager
        pool = getattr(kvm, "block_pool", None) or kvm.coordinator.block_pool
        sched._profilemate_pool = pool
    return pool


def _fixed(sched, prof, t):
    """What the step record reads from a scheduler that does not change while it runs: its free
    block queue, KV blocks as BlockPool.get_usage() counts them (the null block excluded) and
    how to count its waiting queue. Its limits (set once, in Scheduler.__init__) go out once, in
    its spool before its first step record: at __init__, or at the first schedule() when the
    probe attached later."""
    fixed = getattr(sched, "_profilemate_fixed", None)
    if fixed is None:
        pool = _pool(sched)
        # vLLM's FCFS queue is a deque whose __len__ is a Python call to deque's: call deque's
        waiting_len = deque.__len__ if isinstance(sched.waiting, deque) else len
        fixed = sched._profilemate_fixed = (pool.free_block_queue, pool.num_gpu_blocks - 1, waiting_len)
        prof.out(_LIMITS(t, sched.max_num_running_reqs, sched.max_num_scheduled_tokens, fixed[1]))
    return fixed


def _schedule(original, prof):
    counters = _state.COUNTERS
    track = _track_requests
    step = _step
    awaiting = _AWAITING_FIRST

    # one function for the call and its record: this runs every step, and each Python call
    # here costs vLLM's thread a microsecond or more
    def schedule(self, *args, **kwargs):
        if not prof.enabled:
            return original(self, *args, **kwargs)
        t0 = monotonic_ns()
        so = original(self, *args, **kwargs)
        t1 = monotonic_ns()
        try:
            counts = so.num_scheduled_tokens
            new_reqs = so.scheduled_new_reqs
            cached = so.scheduled_cached_reqs
            total = so.total_num_scheduled_tokens
            reqs = len(counts)
            pre_tok = pre_reqs = 0
            # Most steps are pure decode: they skip the per-request walk, and in the common case
            # (no request awaiting its first token, one token per request) the `0 in` scan too.
            if new_reqs or cached.resumed_req_ids or (
                    (awaiting or total != reqs or not track[0]) and 0 in cached.num_output_tokens):
                prefill = _prefill_ids(so)
                for rid in prefill:
                    pre_tok += counts[rid]
                pre_reqs = len(prefill)
                if track[0]:
                    # update_from_output looks for first tokens among these; it gets the same object
                    if len(_PREFILLS) > 64:
                        _PREFILLS.clear()  # outputs that never came back (aborted engine steps)
                    _PREFILLS[id(so)] = prefill
                    awaiting.update(prefill)
            # _fixed's cache, read inline: one Python call less per step
            free_queue, kv_total, waiting_len = getattr(self, "_profilemate_fixed", None) or _fixed(self, prof, t0)
            preempted = so.preempted_req_ids
            alloc, evicted, hits = counters.allocated, counters.evicted, counters.prefix_hit
            counters.allocated = counters.evicted = counters.prefix_hit = 0
            n = step[0]
            step[0] = n + 1
            if track[0] and (new_reqs or _state.PREEMPTED):
                _request_events(prof.out, t1, self, new_reqs, counts)
            # the limits went out once (scheduler_limits): the engine derives decode counts and usage
            prof.out(_STEP(t0, n, t1 - t0, reqs, total, pre_reqs, pre_tok, len(self.running),
                           waiting_len(self.waiting), kv_total - free_queue.num_free_blocks,
                           len(preempted) if preempted else 0, len(new_reqs), len(so.finished_req_ids),
                           alloc, evicted, hits))
        except Exception as exc:
            prof.fail("Scheduler.schedule", exc)
        return so
    return schedule


def _request_events(out, t, sched, new_reqs, counts):
    preempted = _state.PREEMPTED
    for new in new_reqs:
        rid = new.req_id
        if rid in preempted:
            continue  # model runner V2 sends resumed requests as new ones: "resumed" below
        state = _live(rid)
        _event(out, t, EV_SCHEDULED, state[0], 0, new.num_computed_tokens, state[2])
    if preempted:
        for rid in list(preempted):
            if rid in counts:
                preempted.discard(rid)
                req = sched.requests.get(rid)
                _event(out, t, EV_RESUMED, 0, req.num_output_tokens if req else 0, 0, _live(rid)[2])


def _update(original, prof):
    step = _step

    # vLLM's parameters as they are, the step record packed inline: this runs every step, and
    # each Python call here costs vLLM's thread a microsecond or more
    def update_from_output(self, scheduler_output, model_runner_output):
        if not prof.enabled:
            return original(self, scheduler_output, model_runner_output)
        t0 = monotonic_ns()
        outputs = original(self, scheduler_output, model_runner_output)
        t1 = monotonic_ns()
        try:
            if _PREFILLS:
                _first_tokens(prof.out, self, scheduler_output, t1)
            prof.out(_UPDATE(t0, step[0] - 1, t1 - t0))
        except Exception as exc:
            prof.fail("Scheduler.update_from_output", exc)
        return outputs
    return update_from_output


def _first_tokens(out, sched, so, t):
    """request_event "first_token" for this step's prefill requests that now hold an output."""
    live = _state.LIVE
    requests = sched.requests
    for rid in _PREFILLS.pop(id(so), ()):
        state = live.get(rid)
        if state is not None and not state[1]:
            req = requests.get(rid)
            if req is None or not req.num_output_tokens:
                continue  # still awaiting its first token
            state[1] = True
            _event(out, t, EV_FIRST_TOKEN, state[0], req.num_output_tokens, 0, state[2])
        _AWAITING_FIRST.discard(rid)


def _free_request(original, prof):
    def _free_request(self, request, *args, **kwargs):
        result = original(self, request, *args, **kwargs)
        if prof.enabled:
            try:
                if _track_requests[0]:
                    _finish(prof.out, monotonic_ns(), request)
            except Exception as exc:
                prof.fail("Scheduler._free_request", exc)
        return result
    return _free_request


def _finish(out, t, request):
    """Every finished request passes Scheduler._free_request, whatever ended it (stop, length,
    abort, error), so its real reason is read there from vLLM's own request status."""
    rid = request.request_id
    state = _state.LIVE.pop(rid, None)
    _AWAITING_FIRST.discard(rid)
    _state.PREEMPTED.discard(rid)  # also for one that arrived before the probe attached
    if state is None:
        return
    outs = request.num_output_tokens
    if outs and not state[1]:
        _event(out, t, EV_FIRST_TOKEN, state[0], outs, 0, state[2])  # first token in its last step
    reason = request.get_finished_reason()
    name = getattr(reason, "name", None) or str(reason)
    _event(out, t, EV_FINISHED, state[0], outs, 0, encode_strings(rid, name.lower()))


def _on_add_request(prof, args, kwargs, result, t0, t1):
    if not _track_requests[0]:
        return  # only _finish, which needs tracking too, would drop the entry again
    req = args[1] if len(args) > 1 else kwargs["request"]
    rid = req.request_id
    if rid in _state.LIVE:
        return  # a streaming update of a live request, not a new arrival
    state = _state.LIVE[rid] = [req.num_prompt_tokens, False, encode_strings(rid, "")]
    _event(prof.out, t0, EV_ARRIVED, state[0], 0, 0, state[2])


def _reset_prefix_cache(original, prof):
    # vLLM preempts in schedule() when the KV cache is full, and here: the preemption hook asks
    # which (a flag here, rarely set, rather than one around every schedule() call)
    in_reset = _state.IN_RESET

    def reset_prefix_cache(self, *args, **kwargs):
        in_reset[0] = True
        try:
            return original(self, *args, **kwargs)
        finally:
            in_reset[0] = False
    return reset_prefix_cache


def _before_preempt(prof, args, kwargs):
    req = args[1] if len(args) > 1 else kwargs["request"]
    return req.request_id, req.num_computed_tokens, req.num_output_tokens


def _on_preempt(prof, args, kwargs, result, ctx, t0, t1):
    if not _track_requests[0]:
        return  # the set is emptied only by hooks that need tracking too
    rid, computed, out = ctx
    _state.PREEMPTED.add(rid)
    state = _state.LIVE.get(rid)
    reason = "prefix_cache_reset" if _state.IN_RESET[0] else "kv_cache_full"
    policy = getattr(getattr(args[0], "policy", None), "name", "")
    if reason == "kv_cache_full" and policy.lower() == "priority":
        reason = "kv_cache_full_priority"
    _event(prof.out, t0, EV_PREEMPTED, state[0] if state else 0, out, computed, encode_strings(rid, reason))


TARGETS = [
    PatchTarget(PROFILER, SCHED, "Scheduler.__init__", ">=0.11", after(_on_init)),
    PatchTarget(PROFILER, SCHED, "Scheduler.schedule", ">=0.11", _schedule),
    PatchTarget(PROFILER, SCHED, "Scheduler.update_from_output", ">=0.11", _update,
                params=("self", "scheduler_output", "model_runner_output")),
    PatchTarget(PROFILER, SCHED, "Scheduler.add_request", ">=0.11", after(_on_add_request)),
    PatchTarget(PROFILER, SCHED, "Scheduler._free_request", ">=0.11", _free_request,
                note="every finished request, with vLLM's own finish reason"),
    PatchTarget(PROFILER, SCHED, "Scheduler._preempt_request", ">=0.11", around(_before_preempt, _on_preempt),
                note="preemptions with the tokens they throw away"),
    PatchTarget(PROFILER, SCHED, "Scheduler.reset_prefix_cache", ">=0.11", _reset_prefix_cache,
                note="preemptions here are prefix_cache_reset, not kv_cache_full"),
]
