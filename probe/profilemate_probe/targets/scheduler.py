"""Scheduler steps: the decision, tokens by phase, queues, KV usage, CPU time (EngineCore).

One scheduler_step_v3 record per Scheduler.schedule(), its limits once in scheduler_limits;
batch utilisation, KV usage over time and scheduling CPU time are all cut from them by the engine.
The step record also carries the time of the last update_from_output() before it (the previous
step's, when scheduling is synchronous): one record per step instead of two (every record costs
vLLM's thread about a microsecond in place).
"""
from collections import deque
from itertools import count
import json
import os
from time import monotonic_ns

from .. import exiting
from ..hooks import after, around
from ..patching import PatchTarget, one_more_param, rename_param
from ..spool import StringRecord, encode_strings, note_cut, note_forgotten, packer
from . import _state
from ._phases import prefill_ids as _prefill_ids

PROFILER = "scheduler"
SCHED = "vllm.v1.core.sched.scheduler"

_STEP = packer("scheduler_step_v3")
_UPDATE = packer("scheduler_update")
# request events are packed where they happen, each request's id encoded once (at arrival):
# packing them on the spool thread cost it several microseconds apiece, under the GIL
_REQ = StringRecord("request_event")
_REQ_HEAD, _REQ_TYPE, _REQ_FIXED = _REQ.head, _REQ.type_id, _REQ.fixed_size
# a request's prefill tokens in one step (spool minor 7), for the OTLP export's prefill-chunk spans:
# packed in place like request events, its one string the request's _id_tail less the empty reason
_CHUNK = StringRecord("prefill_chunk")
_CHUNK_HEAD, _CHUNK_TYPE, _CHUNK_FIXED = _CHUNK.head, _CHUNK.type_id, _CHUNK.fixed_size
EV_ARRIVED, EV_SCHEDULED, EV_PREEMPTED, EV_RESUMED, EV_FINISHED, EV_FIRST_TOKEN = 1, 2, 3, 4, 5, 6
# step numbers; count() hands out the next in one C call
_step = count()
# [t_ns, duration_ns] of the last update_from_output() not yet written (t_ns 0: none): the next
# step record carries it; a second update before that step (async scheduling's batch queue
# draining) and the last one at exit go out alone, as scheduler_update records
_LAST_UPDATE = [0, 0]
if hasattr(os, "register_at_fork"):
    # a forked child's steps must not carry an update its parent still writes itself
    os.register_at_fork(after_in_child=lambda: _LAST_UPDATE.__setitem__(0, 0))
_track_requests = [True]
# id(SchedulerOutput) -> its prefill request ids, from schedule() to update_from_output()
_PREFILLS = {}
# requests scheduled for prefill that have shown no first token yet: while there are none, a
# step with one token per request and no new or resumed request is pure decode, and the
# per-request scan for prefill work is skipped
_AWAITING_FIRST = set()
# requests resumed after a preemption whose recomputation is not done: vLLM recomputes prompt
# and output tokens, in chunks when they exceed the token budget, and sends the later chunks as
# plain running requests that already have output tokens, as it sends decodes; they are prefill
# work until the request has computed all its tokens (decode tokens were over-counted before)
_RECOMPUTING = set()


def _last_step():
    """The last step number handed out, without taking one (count's repr is "count(next)")."""
    return int(repr(_step)[6:-1]) - 1


def setup(prof):
    _track_requests[0] = bool(prof.config.values.get("ENABLE_PREEMPTION_TRACKING", True))


def _event(out, t, kind, prompt, outs, computed, tail):
    """One request_event; `tail` is its two strings, request id and reason, as encode_strings
    writes them (_id_tail, _with_reason)."""
    out(_REQ_HEAD(_REQ_FIXED + len(tail), _REQ_TYPE, t, kind, prompt, outs, computed) + tail)


def _id_tail(rid):
    """encode_strings(rid, ""), the strings of a request's events without a reason, written out:
    every request arrives and finishes, and the general encoder costs several times as much."""
    b = rid.encode("utf-8", "replace")
    if len(b) > 65535:  # counted once per request (every event of it carries the cut id)
        b = b[:65535]
        note_cut()
    return len(b).to_bytes(2, "little") + b + b"\0\0"


_REASONS = {}


def _with_reason(id_tail, reason):
    """encode_strings(rid, reason) from the request's _id_tail; reasons are few, each encoded once."""
    enc = _REASONS.get(reason)
    if enc is None:
        enc = _REASONS[reason] = encode_strings(reason)
    return id_tail[:-2] + enc


def _live(rid):
    """[num_prompt_tokens, first_token_seen, _id_tail] of a live request; made up for one
    that arrived before the probe attached."""
    state = _state.LIVE.get(rid)
    return state if state is not None else [0, False, _id_tail(rid)]


def _config_json(sched):
    """Engine settings users compare sessions by; never prompts or user data."""
    cfg = getattr(sched, "vllm_config", None)
    out = {}
    mc = getattr(cfg, "model_config", None)
    sc = getattr(cfg, "scheduler_config", None) or getattr(sched, "scheduler_config", None)
    cc = getattr(cfg, "cache_config", None) or getattr(sched, "cache_config", None)
    pc = getattr(cfg, "parallel_config", None)
    comp = getattr(cfg, "compilation_config", None)
    dc = getattr(cfg, "device_config", None)  # "cuda", "cpu", ...: the report says what a CPU run lacks
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
        ("enable_expert_parallel", pc, "enable_expert_parallel"), ("enable_eplb", pc, "enable_eplb"),
        ("expert_placement_strategy", pc, "expert_placement_strategy"),
        ("num_redundant_experts", getattr(pc, "eplb_config", None), "num_redundant_experts"),
        ("cudagraph_mode", comp, "cudagraph_mode"), ("cudagraph_capture_sizes", comp, "cudagraph_capture_sizes"),
        ("device", dc, "device_type"), ("enforce_eager", mc, "enforce_eager"),
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
    prof.emit("engine_config_v2", t1, _config_json(sched))  # text: no size limit a config reaches
    _fixed(sched, prof, t1)


# The probe's per-scheduler attributes are read with getattr, never through sched.__dict__:
# reading an instance's __dict__ can turn its inline attribute values into a dict for good,
# which slows vLLM's own methods (as it did BlockPool's, see kv_cache._times); today's
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
    block queue and how to count its waiting queue. Its limits (set once, in Scheduler.__init__;
    KV blocks as BlockPool.get_usage() counts them, the null block excluded) go out once, in its
    spool before its first step record: at __init__, or at the first schedule() when the probe
    attached later."""
    fixed = getattr(sched, "_profilemate_fixed", None)
    if fixed is None:
        pool = _pool(sched)
        # vLLM's FCFS queue is a deque whose __len__ is a Python call to deque's: call deque's
        waiting_len = deque.__len__ if isinstance(sched.waiting, deque) else len
        fixed = sched._profilemate_fixed = (pool.free_block_queue, waiting_len)
        # emit(), not out(): once per scheduler, and by name the writer repeats it in every new
        # segment (spool.CARRIED), so a segment read alone still knows the KV cache's size
        prof.emit("scheduler_limits", t, sched.max_num_running_reqs, sched.max_num_scheduled_tokens,
                  pool.num_gpu_blocks - 1)
        # registered here, in the process that schedules: a forked child skips its parent's
        exiting.at_exit(lambda: _write_last_update(prof))
    return fixed


def _write_last_update(prof):
    """An update_from_output() that no step record will carry (a second one before the next
    step, or the last at exit) goes out alone, labelled with the last step scheduled."""
    t, duration = _LAST_UPDATE
    if t and prof.enabled:
        _LAST_UPDATE[0] = 0
        prof.out(_UPDATE(t, _last_step(), duration))


_NO_ARG = object()


def _schedule(original, prof):
    """vLLM's Scheduler.schedule takes self (0.15) or self and one flag (throttle_prefills, 0.33): the
    hook mirrors either; any other signature goes through an adapter, one call more per step."""
    extra = one_more_param(original)
    if extra is not None:
        hook = _schedule_hook(original, prof)
        if not extra or rename_param(hook, "extra", extra):
            return hook
    inner = _schedule_hook(lambda self, call: original(self, *call[0], **call[1]), prof)

    def schedule(self, *args, **kwargs):
        return inner(self, (args, kwargs))
    return schedule


def _schedule_hook(original, prof):
    counters = _state.COUNTERS
    track = _track_requests[0]  # set by setup(), before the hooks are made
    awaiting = _AWAITING_FIRST
    prefills = _PREFILLS
    recomputing = _RECOMPUTING
    preempted_ids = _state.PREEMPTED
    step = _step
    last_update = _LAST_UPDATE

    # one function for the call and its record: this runs every step, and each Python call or
    # bytecode here costs vLLM's thread (a microsecond per call and ~15 ns per bytecode in place)
    def schedule(self, extra=_NO_ARG):
        if not prof.enabled:
            return original(self) if extra is _NO_ARG else original(self, extra)
        t0 = monotonic_ns()
        so = original(self) if extra is _NO_ARG else original(self, extra)
        t1 = monotonic_ns()
        try:
            # what the record reads from the scheduler that does not change while it runs, read
            # from the scheduler itself each step: the hook holds no scheduler, so vLLM's
            # dropping one frees it and its block pool (a closure cache of the last one kept
            # both alive; this lookup costs ~11 ns a step more, bench/results/lifetimes.txt)
            try:
                free_queue, waiting_len = self._profilemate_fixed
            except AttributeError:
                free_queue, waiting_len = _fixed(self, prof, t0)
            n = next(step)
            counts = so.num_scheduled_tokens
            new_reqs = so.scheduled_new_reqs
            cached = so.scheduled_cached_reqs
            total = so.total_num_scheduled_tokens
            resumed = cached.resumed_req_ids
            reqs = len(counts)
            pre_tok = pre_reqs = 0
            # Most steps are pure decode: they skip the per-request walk, and in the common case
            # (no request awaiting its first token, one token per request) the `0 in` scan too.
            if new_reqs or resumed or recomputing or (
                    (awaiting or total != reqs or not track) and 0 in cached.num_output_tokens):
                prefill = _prefill_ids(so)
                if new_reqs or resumed or recomputing:
                    _recompute_chunks(self, so, prefill, recomputing)
                for rid in prefill:
                    pre_tok += counts[rid]
                pre_reqs = len(prefill)
                if track:
                    _prefill_chunks(prof.out, t0, n, prefill, counts)
                    # update_from_output looks for first tokens among these; it gets the same object
                    if len(prefills) > 64:
                        prefills.clear()  # outputs that never came back (aborted engine steps)
                    prefills[id(so)] = prefill
                    if len(awaiting) > _state.MAX_REQUESTS:
                        awaiting.clear()  # bounded; only a shortcut for pure-decode steps reads it
                    awaiting.update(prefill)
                    if new_reqs or (resumed and preempted_ids):
                        _request_events(prof.out, t1, self, new_reqs, resumed)
            preempted = so.preempted_req_ids
            # the limits went out once (scheduler_limits): the engine derives decode counts and usage
            prof.out(_STEP(t0, n, t1 - t0, last_update[0], last_update[1], reqs, total, pre_reqs,
                           pre_tok, len(self.running), waiting_len(self.waiting), free_queue.num_free_blocks,
                           len(preempted) if preempted else 0, len(new_reqs), len(so.finished_req_ids),
                           counters.allocated, counters.prefix_hit))
            counters.allocated = counters.prefix_hit = last_update[0] = 0
        except Exception as exc:
            prof.fail("Scheduler.schedule", exc)
        return so
    return schedule


def _prefill_chunks(out, t, n, prefill, counts):
    """One prefill_chunk record per request doing prefill work in step n (its tokens this step):
    only in steps with prefill work, never per decode request."""
    live = _state.LIVE
    for rid in prefill:
        state = live.get(rid)
        tail = (state[2] if state is not None else _id_tail(rid))[:-2]  # the id alone, no reason
        out(_CHUNK_HEAD(_CHUNK_FIXED + len(tail), _CHUNK_TYPE, t, n, counts[rid]) + tail)


def _recompute_chunks(sched, so, prefill, recomputing):
    """Adds to prefill the later recomputation chunks of resumed requests (see _RECOMPUTING), and
    forgets requests whose recomputation is done (vLLM has advanced num_computed_tokens by this
    step's tokens when schedule() returns) or that are gone. Runs in steps with new or resumed
    requests and while some request recomputes: a handful of requests, rarely."""
    recomputing.update(so.scheduled_cached_reqs.resumed_req_ids)
    requests = sched.requests
    for new in so.scheduled_new_reqs:  # model runner V2 sends resumed requests as new ones
        req = requests.get(new.req_id)
        if req is not None and req.num_preemptions:
            recomputing.add(new.req_id)
    if not recomputing:
        return
    counts = so.num_scheduled_tokens
    listed = set(prefill)
    for rid in tuple(recomputing):
        req = requests.get(rid)
        if req is None:
            recomputing.discard(rid)  # finished or aborted
            continue
        if rid in counts and rid not in listed:
            prefill.append(rid)
        if req.num_computed_tokens >= req.num_tokens:
            recomputing.discard(rid)  # all computed: it samples now and decodes from the next step


def _request_events(out, t, sched, new_reqs, resumed):
    preempted = _state.PREEMPTED
    for new in new_reqs:
        rid = new.req_id
        if rid in preempted:
            _resumed(out, t, sched, rid)  # model runner V2 sends resumed requests as new ones
            continue
        state = _live(rid)
        _event(out, t, EV_SCHEDULED, state[0], 0, new.num_computed_tokens, state[2])
    for rid in resumed:
        if rid in preempted:
            _resumed(out, t, sched, rid)


def _resumed(out, t, sched, rid):
    _state.PREEMPTED.discard(rid)
    req = sched.requests.get(rid)
    _event(out, t, EV_RESUMED, 0, req.num_output_tokens if req else 0, 0, _live(rid)[2])


def _update(original, prof):
    last_update = _LAST_UPDATE

    # vLLM's parameters as they are; its time rides in the next step record (see _LAST_UPDATE)
    def update_from_output(self, scheduler_output, model_runner_output):
        if not prof.enabled:
            return original(self, scheduler_output, model_runner_output)
        t0 = monotonic_ns()
        outputs = original(self, scheduler_output, model_runner_output)
        t1 = monotonic_ns()
        try:
            if _PREFILLS:
                _first_tokens(prof.out, self, scheduler_output, t1)
            if last_update[0]:
                _write_last_update(prof)  # no step since the last update: it goes out alone
            last_update[0] = t0
            last_update[1] = t1 - t0
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
    _RECOMPUTING.discard(rid)
    _state.PREEMPTED.discard(rid)  # also for one that arrived before the probe attached
    if state is None:
        return
    outs = request.num_output_tokens
    if outs and not state[1]:
        _event(out, t, EV_FIRST_TOKEN, state[0], outs, 0, state[2])  # first token in its last step
    reason = request.get_finished_reason()
    name = getattr(reason, "name", None) or str(reason)
    _event(out, t, EV_FINISHED, state[0], outs, 0, _with_reason(state[2], name.lower()))


def _add_request(original, prof):
    live = _state.LIVE
    # only _finish, which needs tracking too, would drop the entry again
    track = _track_requests[0]

    def add_request(self, request):
        if not (track and prof.enabled):
            return original(self, request)
        t = monotonic_ns()
        result = original(self, request)
        try:
            rid = request.request_id
            if rid not in live:  # else a streaming update of a live request, not a new arrival
                if len(live) >= _state.MAX_REQUESTS:
                    _forget_oldest(live)
                tail = _id_tail(rid)
                prompt = request.num_prompt_tokens
                live[rid] = [prompt, False, tail]
                _event(prof.out, t, EV_ARRIVED, prompt, 0, 0, tail)
                headers = getattr(request, "trace_headers", None)  # vLLM 0.11+: W3C headers or None
                if headers:
                    _trace(prof, t, rid, headers)
        except Exception as exc:
            prof.fail("Scheduler.add_request", exc)
        return result
    return add_request


def _trace(prof, t, rid, headers):
    """request_trace: the W3C traceparent vLLM got with the request (`00-<trace id>-<parent span
    id>-<flags>`), so that the OTLP export puts this request's spans in the caller's trace, beside
    vLLM's own llm_request span. Only ids and flags, checked for form; a malformed header is skipped."""
    parent = headers.get("traceparent")
    if not isinstance(parent, str):
        return
    parts = parent.strip().lower().split("-")
    if len(parts) < 4 or len(parts[0]) != 2 or parts[0] == "ff" or len(parts[1]) != 32 or len(parts[2]) != 16 \
            or len(parts[3]) != 2:
        return
    try:
        flags = int(parts[3], 16)
        if not int(parts[1], 16) or not int(parts[2], 16):
            return  # all-zero ids are invalid (W3C Trace Context)
    except ValueError:
        return
    prof.emit("request_trace", t, flags, rid, parts[1], parts[2])


def _forget_oldest(live):
    """Bounds the per-request state (see _state.MAX_REQUESTS): the oldest request goes (dicts keep
    arrival order), counted in the session's probe_losses. Rare: only past the cap."""
    rid = next(iter(live))
    del live[rid]
    _AWAITING_FIRST.discard(rid)
    _state.PREEMPTED.discard(rid)
    note_forgotten()


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
    if len(_state.PREEMPTED) >= _state.MAX_REQUESTS:
        _state.PREEMPTED.pop()  # bounded like LIVE; a resumed event may then be missing
        note_forgotten()
    _state.PREEMPTED.add(rid)
    state = _state.LIVE.get(rid)
    reason = "prefix_cache_reset" if _state.IN_RESET[0] else "kv_cache_full"
    policy = getattr(getattr(args[0], "policy", None), "name", "")
    if reason == "kv_cache_full" and policy.lower() == "priority":
        reason = "kv_cache_full_priority"
    _event(prof.out, t0, EV_PREEMPTED, state[0] if state else 0, out, computed,
           _with_reason(state[2] if state else _id_tail(rid), reason))


TARGETS = [
    PatchTarget(PROFILER, SCHED, "Scheduler.__init__", ">=0.11", after(_on_init)),
    PatchTarget(PROFILER, SCHED, "Scheduler.schedule", ">=0.11", _schedule),
    PatchTarget(PROFILER, SCHED, "Scheduler.update_from_output", ">=0.11", _update,
                params=("self", "scheduler_output", "model_runner_output")),
    PatchTarget(PROFILER, SCHED, "Scheduler.add_request", ">=0.11", _add_request, params=("self", "request")),
    PatchTarget(PROFILER, SCHED, "Scheduler._free_request", ">=0.11", _free_request,
                note="every finished request, with vLLM's own finish reason"),
    PatchTarget(PROFILER, SCHED, "Scheduler._preempt_request", ">=0.11", around(_before_preempt, _on_preempt),
                note="preemptions with the tokens they throw away"),
    PatchTarget(PROFILER, SCHED, "Scheduler.reset_prefix_cache", ">=0.11", _reset_prefix_cache,
                note="preemptions here are prefix_cache_reset, not kv_cache_full"),
]
