"""Triggered capture (docs/triggered-capture.md) end to end.

1. vLLM's real scheduler with an induced burst between quiet stretches (drive_capture_demo.py):
   export's rules fire inside the burst and nowhere else, and the capture windows cover every
   preemption and every step at >= 95 % KV usage, and none of the quiet lead.
2. `profilemate collect` following a session while the probe's own writer rotates its segments
   (1 MiB) under a 4 MiB disk budget (drive_capture_session.py): a KV spike fires, the collector
   keeps the window's segments, the budget drops the originals, and `profilemate export` of the
   capture still gives every step of the window, KV usage right (from the state the segments
   carry). vLLM's /start_profile and /stop_profile are vLLM's own routes (its api_router, mounted
   as `vllm serve` mounts them, with and without a profiler configured) in front of a stand-in
   for the engine that records the calls (`vllm serve` cannot run here without a model).
"""
import csv
import glob
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from conftest import REPO

PROFILEMATE = os.path.join(REPO, "profilemate")
HERE = os.path.dirname(os.path.abspath(__file__))


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VLLM_", "ENABLE_")) and k != "PYTHONPATH"}
    env.update(PROFILEMATE_PYTHON=sys.executable, PROFILEMATE_SIDECAR="0", HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", PROFILEMATE_PROGRESS="0")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def burst_session(tmp_path_factory):
    pytest.importorskip("vllm")
    out = tmp_path_factory.mktemp("capture_demo")
    r = subprocess.run([sys.executable, os.path.join(HERE, "drive_capture_demo.py")], capture_output=True, text=True,
                       env=_env(VLLM_PROFILING_DIR=str(out), PYTHONPATH=os.path.join(REPO, "probe")), timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    (session,) = glob.glob(os.path.join(str(out), "session_*"))
    # the burst lasts ~2 s of this run: 50 ms before a firing (tight enough to tell it from the quiet
    # lead) and 2 s after it, as the defaults' 30 s are to an overload of tens of seconds
    e = subprocess.run([PROFILEMATE, "export", session, "--trigger", "capture:before=0.05,after=2"],
                       capture_output=True, text=True, env=_env(), timeout=600)
    assert e.returncode == 0, e.stderr
    return session


def test_the_rules_fire_inside_the_induced_burst_and_not_in_the_quiet_stretches(burst_session):
    windows = _rows(os.path.join(burst_session, "capture_windows.csv"))
    requests = _rows(os.path.join(burst_session, "request_lifecycle.csv"))
    steps = _rows(os.path.join(burst_session, "kv_cache_usage.csv"))
    preempted = [float(p["timestamp_sec"]) for p in _rows(os.path.join(burst_session, "preemption_events.csv"))
                 if p["event"] == "preempted"]
    burst = [r for r in requests if r["request_id"].startswith("burst-")]
    arrived = min(float(r["arrival_sec"]) for r in burst)
    finished = max(float(r["finished_sec"]) for r in burst)
    # the quiet stretches exist, hold steps, and stay below the rules' levels (else this proves nothing)
    before = [s for s in steps if float(s["timestamp_sec"]) < arrived]
    after = [s for s in steps if float(s["timestamp_sec"]) > finished]
    assert len(before) > 100 and len(after) > 100
    assert max(float(s["usage_pct"]) for s in before + after) < 90
    assert all(t >= arrived for t in preempted) and len(preempted) >= 10

    assert {w["rule"] for w in windows} == {"kv_usage", "preemption_burst"}
    for w in windows:  # every firing inside the burst
        assert arrived <= float(w["fired_sec"]) <= finished, w
    spans = {(float(w["window_start_sec"]), float(w["window_end_sec"])) for w in windows}

    def covered(t):
        return any(a <= t <= b for a, b in spans)

    # the windows cover the burst's preemptions and every step at the threshold ...
    assert all(covered(t) for t in preempted)
    full = [float(s["timestamp_sec"]) for s in steps if float(s["usage_pct"]) >= 95]
    assert full and all(covered(t) for t in full)
    # ... and of the quiet lead only the 50 ms kept before the first firing (no firing after the burst
    # either: checked above)
    first = min(float(w["fired_sec"]) for w in windows)
    assert min(a for a, _ in spans) >= first - 0.05 - 1e-6
    assert not any(covered(float(s["timestamp_sec"])) for s in before if float(s["timestamp_sec"]) < first - 0.05)


def test_the_default_rules_are_what_metadata_says(burst_session):
    meta = json.load(open(os.path.join(burst_session, "metadata.json")))
    assert meta["capture_rules"].startswith("step_time:window=30,baseline=600,factor=2,min_steps=100,")
    assert meta["capture_rules"].endswith("capture:before=0.05,after=2")


class _StandInEngineClient:
    """Stands in for vLLM's engine behind the profile routes (a real `vllm serve` needs a model):
    the routes themselves are vLLM's (vllm/entrypoints/serve/profile/api_router.py), mounted the
    way `vllm serve` mounts them; this records what they ask of the engine, and when."""

    def __init__(self):
        self.calls = []

    async def start_profile(self, **overrides):
        self.calls.append(("start_profile", time.monotonic_ns()))

    async def stop_profile(self):
        self.calls.append(("stop_profile", time.monotonic_ns()))


def _vllm_profile_server(with_profiler):
    """vLLM's API server app as far as profiling goes: attach_router() adds /start_profile and
    /stop_profile only when a profiler is configured (vllm serve --profiler-config). Served by
    uvicorn on 127.0.0.1; returns (url, engine, server)."""
    import types
    import uvicorn
    from fastapi import FastAPI
    from vllm.config import ProfilerConfig
    from vllm.entrypoints.serve.profile.api_router import attach_router
    app = FastAPI()
    config = ProfilerConfig(profiler="torch", torch_profiler_dir="/tmp/unused") if with_profiler else None
    app.state.args = types.SimpleNamespace(profiler_config=config)
    app.state.engine_client = engine = _StandInEngineClient()
    attach_router(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return "http://127.0.0.1:%d" % port, engine, server


def _collect(session, seconds, spike_at, before, after, *extra, bytes_after=0):
    """The probe's writer makes a session while collect follows it; (writer's JSON, collect's stderr)."""
    (session / "raw").mkdir(parents=True, mode=0o700)
    writer = subprocess.Popen([sys.executable, os.path.join(HERE, "drive_capture_session.py"), str(session),
                               str(seconds), str(spike_at), "0.5", str(bytes_after)], stdout=subprocess.PIPE,
                              text=True, env=_env())
    collect = subprocess.Popen(
        [PROFILEMATE, "collect", str(session), "--pid", str(writer.pid), "--interval", "0.5", "--max-cpu-share", "1",
         "--trigger", "off", "--trigger", "kv_usage:on", "--trigger", "capture:before=%s,after=%s" % (before, after)]
        + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    written = json.loads(writer.communicate(timeout=120)[0].splitlines()[-1])
    _, err = collect.communicate(timeout=300)
    assert collect.returncode == 0, err
    return written, err


def test_collect_keeps_a_window_the_budget_drops_and_calls_the_profiler(tmp_path):
    pytest.importorskip("vllm")
    url, engine, server = _vllm_profile_server(with_profiler=True)
    session = tmp_path / "session_live"
    spike_at, before, after = 6.0, 1.0, 2.0
    try:
        # 6 MiB after the window: more than the 4 MiB budget holds, however slowly the writer runs
        written, err = _collect(session, 20, spike_at, before, after, "--profile-url", url, bytes_after=6 << 20)
    finally:
        server.should_exit = True

    (capture,) = glob.glob(os.path.join(str(session), "captures", "kv_usage-*"))
    described = json.load(open(os.path.join(capture, "capture.json")))
    assert described["complete"] and described["firings"][0]["rule"] == "kv_usage"
    fired = described["firings"][0]["fired_sec"]
    assert spike_at <= fired < spike_at + 0.5  # the first step at 97 % (steps are ~10 ms apart)
    kept = described["segments"]
    assert kept and "capture %s" % described["id"] in err
    # the budget dropped the originals: none of the kept segments is in raw/ any more
    raw = set(os.listdir(os.path.join(str(session), "raw")))
    assert not raw & set(kept), "the budget kept the window's segments: the test proves nothing"
    index = [json.loads(l) for l in open(os.path.join(str(session), "raw", "segments.jsonl"))]
    assert set(kept) <= {e["file"] for e in index if e["event"] == "dropped"}

    # the capture still exports the window: every step of it, with its KV usage
    e = subprocess.run([PROFILEMATE, "export", capture], capture_output=True, text=True, env=_env(), timeout=300)
    assert e.returncode == 0, e.stderr  # not partial: left-out segments are stated, not damage
    start = written["start_ns"]
    lo, hi = fired - before + 1e-5, fired + after - 1e-5  # inside the window, clear of rounding at its edges
    want = [((t - start) / 1e9, "%.2f" % u) for t, u in written["steps"] if lo <= (t - start) / 1e9 <= hi]
    got = [(float(r["timestamp_sec"]), r["usage_pct"]) for r in _rows(os.path.join(capture, "kv_cache_usage.csv"))
           if lo <= float(r["timestamp_sec"]) <= hi]
    assert len(want) > 200 and len(got) == len(want)  # ~100 steps a second over 3 s
    for (tg, ug), (tw, uw) in zip(got, want):  # times as 6 decimals (Java and Python may round the last apart)
        assert abs(tg - tw) < 2e-6 and ug == uw, ((tg, ug), (tw, uw))
    assert {r["total_blocks"] for r in _rows(os.path.join(capture, "kv_cache_usage.csv"))} == {"1000"}
    rep = subprocess.run([PROFILEMATE, "report", capture], capture_output=True, text=True, env=_env(), timeout=300)
    assert rep.returncode == 0 and os.path.isfile(os.path.join(capture, "profile_report.html")), rep.stderr

    # vLLM's profiler, through vLLM's own routes: started once at the capture, stopped once after the window
    assert [c[0] for c in engine.calls] == ["start_profile", "stop_profile"]
    assert engine.calls[1][1] >= start + hi * 1e9
    assert "vLLM's profiler started" in err


def test_a_server_without_a_profiler_costs_one_line_and_the_capture_goes_on(tmp_path):
    pytest.importorskip("vllm")
    url, engine, server = _vllm_profile_server(with_profiler=False)  # vllm serve without --profiler-config
    try:
        _, err = _collect(tmp_path / "session_noprofiler", 4, 1.0, 0.5, 0.5, "--profile-url", url)
    finally:
        server.should_exit = True
    lines = [ln for ln in err.splitlines() if url in ln]
    assert len(lines) == 1 and "answered 404" in lines[0] and "--profiler-config" in lines[0], err
    assert engine.calls == []
    (capture,) = glob.glob(os.path.join(str(tmp_path / "session_noprofiler"), "captures", "kv_usage-*"))
    assert json.load(open(os.path.join(capture, "capture.json")))["complete"]


def test_a_profile_url_that_does_not_answer_costs_one_line_and_the_capture_goes_on(tmp_path):
    _, err = _collect(tmp_path / "session_noserver", 4, 1.0, 0.5, 0.5,
                      "--profile-url", "http://127.0.0.1:9")  # discard port: nothing listens
    failures = [ln for ln in err.splitlines() if "POST http://127.0.0.1:9/" in ln]
    assert len(failures) == 1 and "capturing goes on" in failures[0], err
    (capture,) = glob.glob(os.path.join(str(tmp_path / "session_noserver"), "captures", "kv_usage-*"))
    assert json.load(open(os.path.join(capture, "capture.json")))["complete"]
