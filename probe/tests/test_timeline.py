"""`profilemate timeline` end to end: the demo's workload on the REAL vLLM scheduler (chunked prefill,
preemptions, recomputation) under the probe, and the golden fixture session (a worker's forward
passes and CUDA graph replays), turned into Perfetto traces and read back with Perfetto's own protos
(perfetto_trace_pb2 of PyPI's `perfetto`, in the venv scripts/perfetto_venv.sh makes: its trace
processor is a download from the internet the tests cannot reach). Counts, times and values must
equal the exported session files and vLLM's own state the driver recorded; every slice must be
well formed (perfetto_read.py lists what a trace processor would flag).
"""
import collections
import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO
from test_vllm_scheduler import _exported

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILEMATE = os.path.join(REPO, "profilemate")



def _same_us(ns, text):
    """A trace time (ns) and a CSV time (s, 6 decimals) for the same instant: the CSV rounds the
    nanoseconds half up, while Python's %.6f of a float can land on the other side of a half
    microsecond, so they agree within half a microsecond."""
    return abs(ns / 1e9 - float(text)) <= 5.001e-7

def _perfetto_python():
    r = subprocess.run(["bash", os.path.join(REPO, "scripts", "perfetto_venv.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("scripts/perfetto_venv.sh failed in CI: " + r.stderr[-2000:])
        pytest.skip("no perfetto venv (scripts/perfetto_venv.sh needs PyPI): " + r.stderr[-300:])
    return r.stdout.strip()


def _timeline(session, *args):
    out = os.path.join(session, "t.perfetto-trace")
    r = subprocess.run([PROFILEMATE, "timeline", session, "--out", out, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    py = _perfetto_python()
    read = subprocess.run([py, os.path.join(HERE, "perfetto_read.py"), out], capture_output=True, text=True)
    assert read.returncode == 0, read.stderr[-3000:]
    trace = json.loads(read.stdout)
    assert trace["errors"] == []
    return trace, r


def _rows(session, name):
    with open(os.path.join(session, name), newline="") as f:
        return list(csv.DictReader(f))


def _on(trace, title, depth=0):
    """Slices at depth on the tracks named title (or its lanes: "requests", "requests 2", ...)."""
    uuids = {t["uuid"] for t in trace["tracks"] if t["name"] == title or t["name"].startswith(title + " ")}
    return sorted((s for s in trace["slices"] if s["track"] in uuids and s["depth"] == depth),
                  key=lambda s: s["ts"])


def _counter(trace, title):
    uuids = {t["uuid"] for t in trace["tracks"] if t["name"] == title}
    return sorted((c for c in trace["counters"] if c["track"] in uuids), key=lambda c: c["ts"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    pytest.importorskip("vllm")
    session, truth, _ = _exported("demo", tmp_path_factory.mktemp("timeline_demo"))
    trace, run = _timeline(session)
    return session, truth, trace, run


def test_one_step_slice_per_scheduler_step_with_its_values(demo):
    session, truth, trace, _ = demo
    steps = _on(trace, "scheduler steps")
    rows = _rows(session, "batch_utilization.csv")
    assert len(steps) == len(rows) == truth["steps"]
    for s, r in zip(steps, rows):
        # the CSV rounds the same nanoseconds to 6 decimals half up; Python's %.6f of a float can land
        # on the other side of a half microsecond
        assert _same_us(s["ts"], r["timestamp_sec"]), (s["ts"], r["timestamp_sec"])
        assert s["name"] == r["phase"]
        a = s["args"]
        assert (a["step"], a["num_reqs"], a["num_tokens"], a["prefill_tokens"], a["decode_tokens"], a["running"],
                a["waiting"], a["preempted"]) == (int(r["step"]), int(r["num_seqs"]), int(r["num_tokens"]),
                                                  int(r["num_prefill_tokens"]), int(r["num_decode_tokens"]),
                                                  int(r["running_queue_len"]), int(r["waiting_queue_len"]),
                                                  int(r["num_preempted"]))
    # a step lasts at most to the next one's start, and at least its own schedule() call
    for s, nxt in zip(steps, steps[1:]):
        assert s["args"]["schedule_ms"] * 1e6 - 1 <= s["dur"] <= nxt["ts"] - s["ts"]
    # the schedule() children are vLLM's schedule() times, which batch_utilization_summary.json totals
    schedule = _on(trace, "scheduler steps", depth=1)
    total_ms = sum(c["dur"] for c in schedule if c["name"] == "schedule()") / 1e6
    with open(os.path.join(session, "batch_utilization_summary.json")) as f:
        assert total_ms == pytest.approx(json.load(f)["schedule_time"]["total_ms"], abs=1e-3)


def test_kv_usage_counter_is_vllms_usage_at_every_step(demo):
    session, truth, trace, _ = demo
    kv = _counter(trace, "KV cache usage")
    assert ["%.2f" % c["value"] for c in kv] == ["%.2f" % (100 * u) for u in truth["kv_usage"]]
    # exactly the blocks in use over the usable blocks that kv_cache_usage.csv gives
    assert [c["value"] for c in kv] == [100.0 * (int(r["num_blocks"]) / int(r["total_blocks"]))
                                        for r in _rows(session, "kv_cache_usage.csv")]
    rows = _rows(session, "batch_utilization.csv")
    assert [int(c["value"]) for c in _counter(trace, "running requests")] == [int(r["running_queue_len"]) for r in rows]
    assert [int(c["value"]) for c in _counter(trace, "waiting requests")] == [int(r["waiting_queue_len"]) for r in rows]


def test_each_request_is_one_slice_lasting_its_latency(demo):
    session, truth, trace, _ = demo
    reqs = {s["args"]["request_id"]: s for s in _on(trace, "requests")}
    rows = {r["request_id"]: r for r in _rows(session, "request_lifecycle.csv")}
    assert set(reqs) == set(rows)
    assert sorted(truth["finished"]) == sorted(r for r in rows if rows[r]["finished_sec"])
    for rid, r in rows.items():
        s = reqs[rid]
        assert s["dur"] / 1e9 == pytest.approx(float(r["total_time_sec"]), abs=2e-6)
        assert _same_us(s["ts"], r["arrival_sec"]), (s["ts"], r["arrival_sec"])
        assert s["args"]["finish_reason"] == r["finish_reason"]
    # lanes: requests on one lane never overlap
    by_lane = collections.defaultdict(list)
    for s in reqs.values():
        by_lane[s["track"]].append((s["ts"], s["ts"] + s["dur"]))
    for spans in by_lane.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    lanes = len(by_lane)
    assert 1 < lanes < len(reqs)


def test_phases_preemptions_and_prefill_chunks_are_vllms(demo):
    session, truth, trace, _ = demo
    reqs = {s["args"]["request_id"]: s for s in _on(trace, "requests")}
    track_of = {rid: s["track"] for rid, s in reqs.items()}
    phases = collections.defaultdict(list)
    for s in _on(trace, "requests", depth=1):
        phases[s["track"], s["ts"]].append(s["name"])
    # queued, prefill, decode in that order under each finished request
    children = collections.defaultdict(list)
    for s in sorted(_on(trace, "requests", depth=1), key=lambda s: s["ts"]):
        children[s["track"]].append(s)
    rows = {r["request_id"]: r for r in _rows(session, "request_lifecycle.csv")}
    for rid, top in reqs.items():
        mine = [c for c in children[top["track"]] if top["ts"] <= c["ts"] <= top["ts"] + top["dur"]
                and c["ts"] + c["dur"] <= top["ts"] + top["dur"]]
        assert [c["name"] for c in mine][:3] == ["queued", "prefill", "decode"][:len(mine)]
        first_token = float(rows[rid]["first_token_sec"]) if rows[rid]["first_token_sec"] else None
        if first_token is not None:
            assert _same_us(next(c for c in mine if c["name"] == "decode")["ts"], rows[rid]["first_token_sec"])
    def owner(i):
        return next(r for r, t in track_of.items() if t == i["track"] and reqs[r]["ts"] <= i["ts"]
                    <= reqs[r]["ts"] + reqs[r]["dur"])

    preempted = collections.Counter(owner(i) for i in trace["instants"] if i["name"] == "preempted")
    assert sum(preempted.values()) == truth["num_preemptions"] > 0
    assert {r: n for r, n in preempted.items()} == {r: n for r, n in truth["preemptions"].items() if n}
    # prefill chunks: vLLM's scheduled prefill tokens, request by request, step by step
    per_step = collections.defaultdict(dict)
    for i in trace["instants"]:
        if i["name"] == "prefill chunk":
            per_step[i["args"]["step"]][owner(i)] = i["args"]["tokens"]
    steps = [s["args"]["step"] for s in _on(trace, "scheduler steps")]
    assert [per_step.get(s, {}) for s in steps] == truth["prefill_tokens"]


def test_a_window_draws_only_what_starts_in_it(demo):
    session, truth, full, _ = demo
    steps = _on(full, "scheduler steps")
    lo, hi = steps[len(steps) // 4]["ts"], steps[len(steps) // 2]["ts"]
    part, _ = _timeline(session, "--from", "%.9f" % (lo / 1e9), "--to", "%.9f" % (hi / 1e9))
    assert [s["ts"] for s in _on(part, "scheduler steps")] == [s["ts"] for s in steps if lo <= s["ts"] < hi]
    kv = [c["ts"] for c in _counter(part, "KV cache usage")]
    assert kv and min(kv) >= lo and max(kv) < hi


def test_the_cap_stops_the_trace_and_says_where(demo):
    session, truth, full, _ = demo
    part, run = _timeline(session, "--max-events", "500")
    assert "stopped at" in run.stderr and "--from" in run.stderr
    assert 0 < len(_on(part, "scheduler steps")) < len(_on(full, "scheduler steps"))


def test_forward_passes_and_graph_replays_are_the_workers(tmp_path):
    session = str(tmp_path / "session_golden")
    shutil.copytree(os.path.join(REPO, "spool-format", "fixtures", "session_golden"), session)
    subprocess.run([PROFILEMATE, "export", session, "--quiet"], check=True)
    trace, _ = _timeline(session)
    groups = {t["uuid"]: t for t in trace["tracks"] if t["pid"] is not None}
    # named by where they sit once their parallel_identity came: node, then the ranks each has
    assert sorted(g["process_name"] for g in groups.values()) == ["engine_core 301 fixture-host dp0",
                                                                  "worker 302 fixture-host dp0 tp0 ep0"]
    fwd = _on(trace, "forward passes")
    rows = _rows(session, "forward_pass_timing.csv")
    assert [("%.6f" % (s["ts"] / 1e9), s["name"], s["args"]["batch_size"], s["args"]["num_tokens"],
             "%.3f" % (s["dur"] / 1e6)) for s in fwd] == [
        (r["timestamp_sec"], r["phase"], int(r["batch_size"]), int(r["num_tokens"]), r["forward_time_ms"]) for r in rows]
    graphs = _on(trace, "CUDA graph replays")
    rows = _rows(session, "cuda_graph_timeline.csv")
    assert [("%.6f" % (s["ts"] / 1e9), s["args"]["graph_num_tokens"], "%.3f" % (s["dur"] / 1e6)) for s in graphs] == [
        (r["timestamp_sec"], int(r["num_tokens"]), r["duration_ms"]) for r in rows]
    # padding: the graph's tokens less the tokens of the forward pass it ran in
    for g in graphs:
        f = next(f for f in fwd if f["ts"] <= g["ts"] <= f["ts"] + f["dur"])
        assert g["args"]["padding_tokens"] == g["args"]["graph_num_tokens"] - f["args"]["num_tokens"]
    # the worker's tracks sit under the worker's group, the scheduler's under the EngineCore's
    by_name = {t["name"]: t for t in trace["tracks"]}
    assert groups[by_name["forward passes"]["parent"]]["pid"] == 302
    assert groups[by_name["scheduler steps"]["parent"]]["pid"] == 301


def test_requests_never_seen_finishing_are_bounded(tmp_path):
    """bench/make_session.py's generator abandons requests past 64 in flight without a finish record,
    as a probe that forgot requests or a process that died would leave them: only the 256 that started
    last are drawn (to the end), the rest are counted in one note, so they cannot take a lane each."""
    session = str(tmp_path / "session_synthetic")
    subprocess.run([sys.executable, os.path.join(REPO, "bench", "make_session.py"), "--records", "200000",
                    "--out", session], check=True, capture_output=True, env=dict(os.environ, PYTHONPATH=os.path.join(
                        REPO, "probe")))
    trace, run = _timeline(session)
    note = [ln for ln in run.stderr.splitlines() if ln.startswith("note: ")]
    assert len(note) == 1, run.stderr
    left_out = int(note[0].split()[1])
    reqs = _on(trace, "requests")
    open_ones = [s for s in reqs if s["name"].endswith(" (unfinished)")]
    assert len(open_ones) == 256 and left_out > 0
    # the ones drawn are the unfinished requests of request_lifecycle.csv that arrived last
    subprocess.run([PROFILEMATE, "export", session, "--quiet"], check=True)
    rows = [r for r in _rows(session, "request_lifecycle.csv") if not r["finished_sec"]]
    assert len(rows) == left_out + 256
    latest = sorted(rows, key=lambda r: float(r["arrival_sec"]))[-256:]
    assert sorted(s["args"]["request_id"] for s in open_ones) == sorted(r["request_id"] for r in latest)
    lanes = {s["track"] for s in reqs}
    assert len(lanes) <= 256 + 100


def test_two_data_parallel_engines_get_a_group_each(tmp_path):
    """Two EngineCores (bench/make_session.py --add-engine: data-parallel rank 1 beside rank 0, with their
    ranks in the spools' metadata): a track group each, named by role, pid and rank, whose step slices
    together are the rows of batch_utilization.csv, each on its own engine's track."""
    session = str(tmp_path / "session_dp2")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "probe"))
    make = [sys.executable, os.path.join(REPO, "bench", "make_session.py"), "--records", "20000", "--out", session]
    subprocess.run(make, check=True, capture_output=True, env=env)
    subprocess.run(make + ["--add-engine", "99999"], check=True, capture_output=True, env=env)
    subprocess.run([PROFILEMATE, "export", session, "--quiet"], check=True)
    trace, _ = _timeline(session)
    with open(os.path.join(session, "metadata.json")) as f:
        procs = {p["pid"]: p for p in json.load(f)["processes"]}
    groups = {t["uuid"]: t for t in trace["tracks"] if t["pid"] is not None}
    engines = {g["pid"]: g for g in groups.values() if g["pid"] in procs and procs[g["pid"]]["rank"] >= 0}
    assert sorted(procs[p]["rank"] for p in engines) == [0, 1]
    for pid, g in engines.items():
        assert g["process_name"] == "%s %d rank %d" % (procs[pid]["role"], pid, procs[pid]["rank"])
    step_tracks = {t["uuid"]: groups[t["parent"]]["pid"] for t in trace["tracks"] if t["name"] == "scheduler steps"}
    assert sorted(step_tracks.values()) == sorted(engines)
    steps = _on(trace, "scheduler steps")
    rows = _rows(session, "batch_utilization.csv")
    ts, csv = sorted(s["ts"] for s in steps), sorted(float(r["timestamp_sec"]) for r in rows)
    assert len(ts) == len(csv) and all(abs(a / 1e9 - b) <= 5.001e-7 for a, b in zip(ts, csv))
    per_engine = collections.Counter(step_tracks[s["track"]] for s in steps)
    assert all(n > 100 for n in per_engine.values())
    # on each engine's track its steps follow one another: none overlaps the next
    for track in step_tracks:
        mine = [s for s in steps if s["track"] == track]
        assert all(a["ts"] + a["dur"] <= b["ts"] for a, b in zip(mine, mine[1:]))
