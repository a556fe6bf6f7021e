"""Warm-up steps are not serving steps (no vLLM needed: stand-in runner and scheduler output)."""
from profilemate_probe.config import load
from profilemate_probe.patching import Profiler
from profilemate_probe.targets import _worker, forward_pass


class _NoCachedReqs:  # stand-in for CachedRequestData with no request in it
    req_ids = []
    num_output_tokens = []
    resumed_req_ids = set()


class _SO:  # stand-in for a SchedulerOutput: one 128-token prefill
    num_scheduled_tokens = {"r": 128}
    scheduled_spec_decode_tokens = {}
    scheduled_new_reqs = []
    scheduled_cached_reqs = _NoCachedReqs()
    total_num_scheduled_tokens = 128


def test_steps_inside_compile_or_warm_up_model_are_not_timed(monkeypatch):
    monkeypatch.setenv("USE_CUDA_EVENTS", "0")
    records = []
    prof = Profiler("forward_pass", lambda m: None, lambda *a: records.append(a))
    prof.config = load()
    monkeypatch.setattr(forward_pass, "_timer", [None])
    execute = forward_pass._execute_model_v2(lambda self, so: None, prof)
    warm = _worker._warm_up(lambda self: execute(None, _SO()), prof)
    warm(None)                     # vLLM's warm-up calls execute_model inside compile_or_warm_up_model
    execute(None, _SO())           # a serving step
    forward_pass.timer(prof).flush()
    steps = [r for r in records if r[0] == "forward_pass"]
    assert len(steps) == 1 and steps[0][4] == 1 and steps[0][5] == 128  # prefill code 0, 1 req, 128 tokens
    assert _worker.WARMING == [0]


def test_each_step_is_an_nvtx_range_named_by_its_phase_under_nsys(monkeypatch):
    monkeypatch.setenv("USE_CUDA_EVENTS", "0")
    monkeypatch.setenv("PROFILEMATE_NVTX", "1")
    pushed = []
    monkeypatch.setattr(forward_pass, "_nvtx", [(pushed.append, lambda: pushed.append("pop"))])
    prof = Profiler("forward_pass", lambda m: None, lambda *a: None)
    prof.config = load()
    monkeypatch.setattr(forward_pass, "_timer", [None])
    forward_pass._execute_model_v2(lambda self, so: None, prof)(None, _SO())
    assert pushed == ["profilemate:prefill", "pop"]
