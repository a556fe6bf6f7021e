"""Scheduler-side profilers against the REAL vLLM Scheduler and KV cache manager on the CPU.

Each workload runs in a fresh interpreter with the probe on PYTHONPATH (as a user would
run it); the engine then exports the session, and the files are compared with vLLM's own
state and statistics that the driver recorded, never with the probe's expectations.
"""
import csv
import glob
import json
import os
import re
import subprocess

import pytest

from conftest import PROBE, REPO, run_python

vllm = pytest.importorskip("vllm")
HERE = os.path.dirname(os.path.abspath(__file__))


def _export(session):
    subprocess.run([os.path.join(REPO, "profilemate"), "export", session, "--quiet"], check=True)


def _rows(session, name):
    with open(os.path.join(session, name), newline="") as f:
        return list(csv.DictReader(f))


def _drive(name, base, env):
    """drive_workload.py NAME under the probe, sessions in BASE/prof, vLLM's truth in BASE/truth.json."""
    truth = base / "truth.json"
    return run_python(
        "import sys, runpy; sys.argv = ['drive', %r, %r]; sys.path.insert(0, %r); "
        "runpy.run_path(%r, run_name='__main__')" % (name, str(truth), HERE, os.path.join(HERE, "drive_workload.py")),
        dict({"VLLM_PROFILING_DIR": str(base / "prof")}, **env))


def _exported(name, base, env=None):
    """_drive, then the engine's export: (session folder, vLLM's truth, the run's stderr)."""
    r = _drive(name, base, env or {})
    assert r.returncode == 0, r.stderr[-3000:]
    sessions = glob.glob(str(base / "prof" / "session_*"))
    assert len(sessions) == 1, r.stderr[-2000:]
    _export(sessions[0])
    return sessions[0], json.loads((base / "truth.json").read_text()), r.stderr


@pytest.fixture(scope="module")
def workloads(tmp_path_factory):
    return {name: _exported(name, tmp_path_factory.mktemp(name))
            for name in ("overflow", "shared_prefix", "chunked_prefill", "prefix_reset", "demo")}


@pytest.mark.parametrize("name", ["overflow", "shared_prefix", "chunked_prefill"])
def test_recorded_kv_usage_equals_the_managers_usage_at_every_step(workloads, name):
    session, truth, _ = workloads[name]
    rows = _rows(session, "kv_cache_usage.csv")
    assert len(rows) == truth["steps"]
    assert [r["usage_pct"] for r in rows] == ["%.2f" % (100 * u) for u in truth["kv_usage"]]
    assert {int(r["total_blocks"]) for r in rows} == {truth["total_blocks"]}
    assert len(_rows(session, "batch_utilization.csv")) == truth["steps"]


@pytest.mark.parametrize("name", ["overflow", "shared_prefix", "chunked_prefill"])
def test_prefix_cache_hit_blocks_equal_vllms_own_prefix_cache_stats(workloads, name):
    """vLLM counts hit tokens (PrefixCacheStats.hits, and preempted_hits for requests that come
    back): every hit is whole cached blocks, each touched once. Before record_prefix_cache_stats
    (0.15) vLLM counted every lookup, also one whose request then stayed waiting for want of
    blocks and looked again next step: the blocks really reused are then at most that."""
    from vllm.v1.core.kv_cache_manager import KVCacheManager
    session, truth, _ = workloads[name]
    text = open(os.path.join(session, "kv_cache_summary.txt")).read()
    blocks = int(re.search(r"^prefix-cache hit blocks:\s+(\d+)$", text, re.M).group(1))
    vllm_hits = truth["prefix_hits"] + truth["preempted_prefix_hits"]
    if hasattr(KVCacheManager, "record_prefix_cache_stats"):
        assert blocks * truth["block_size"] == vllm_hits
    else:
        assert 0 < blocks * truth["block_size"] <= vllm_hits or blocks == vllm_hits == 0
    if name == "shared_prefix":
        assert truth["prefix_hits"] > 0


def test_preemption_count_equals_vllms_own_count(workloads):
    session, truth, _ = workloads["overflow"]
    events = _rows(session, "preemption_events.csv")
    preempted = [e for e in events if e["event"] == "preempted"]
    assert truth["num_preemptions"] > 0
    assert len(preempted) == truth["num_preemptions"] == truth["preempted_events"]
    assert all(e["reason"] == "kv_cache_full" for e in preempted)
    assert len([e for e in events if e["event"] == "resumed"]) == truth["num_preemptions"]
    summary = json.load(open(os.path.join(session, "preemption_summary.json")))
    assert summary["preemptions"] == truth["num_preemptions"]
    steps = _rows(session, "batch_utilization.csv")
    assert sum(int(s["num_preempted"]) for s in steps) == truth["preempted_step_ids"]


@pytest.mark.parametrize("name", ["overflow", "chunked_prefill", "demo"])
def test_decode_tokens_are_vllms_decodes_at_every_step(workloads, name):
    """num_decode_tokens counts the tokens of requests that sample outside a prefill: a resumed
    request recomputes prompt and outputs in chunks that vLLM sends like decodes (outputs > 0,
    not resumed); those are prefill work. The demo's workload has such chunks (before the fix its
    decode tokens were 113 too many). Every output token is one decode or one finished prefill."""
    session, truth, _ = workloads[name]
    steps = _rows(session, "batch_utilization.csv")
    assert [int(s["num_decode_tokens"]) for s in steps] == truth["decode_tokens"]
    summary = json.load(open(os.path.join(session, "batch_utilization_summary.json")))
    assert summary["decode_tokens"] + truth["prefill_done"] == truth["output_tokens"]
    rows = _rows(session, "request_lifecycle.csv")
    assert sum(int(r["num_output_tokens"]) for r in rows) == truth["output_tokens"]
    if name == "demo":
        assert truth["num_preemptions"] > 0


@pytest.mark.parametrize("name", ["overflow", "prefix_reset", "demo"])
def test_the_probe_holds_nothing_for_requests_that_finished(workloads, name):
    _, truth, _ = workloads[name]
    assert truth["probe_request_state_left"] == {"live": 0, "preempted": 0, "awaiting_first_token": 0, "recomputing": 0}


def test_without_request_tracking_nothing_is_kept_per_request(tmp_path):
    """ENABLE_PREEMPTION_TRACKING=0: no request events, and no per-request state that only
    the tracking hooks would clear again (it grew with every request before)."""
    session, t, _ = _exported("overflow", tmp_path, {"ENABLE_PREEMPTION_TRACKING": "0"})
    assert t["num_preemptions"] > 0
    assert t["probe_request_state_left"] == {"live": 0, "preempted": 0, "awaiting_first_token": 0, "recomputing": 0}
    assert _rows(session, "preemption_events.csv") == []
    assert len(_rows(session, "kv_cache_usage.csv")) == t["steps"]


def test_preemptions_by_a_prefix_cache_reset_say_so(workloads):
    """vLLM preempts every running request when the prefix cache is reset with
    reset_running_requests: those rows say prefix_cache_reset, the others kv_cache_full."""
    session, truth, _ = workloads["prefix_reset"]
    events = _rows(session, "preemption_events.csv")
    preempted = [e for e in events if e["event"] == "preempted"]
    assert truth["reset_preempted"] > 0
    assert len(preempted) == truth["num_preemptions"]
    assert len([e for e in preempted if e["reason"] == "prefix_cache_reset"]) == truth["reset_preempted"]
    assert all(e["reason"] in ("prefix_cache_reset", "kv_cache_full") for e in preempted)
    rows = {r["request_id"]: r for r in _rows(session, "request_lifecycle.csv")}
    assert truth["finished"] and all(rows[rid]["finished_sec"] for rid in truth["finished"])


@pytest.mark.parametrize("name", ["overflow", "shared_prefix", "chunked_prefill"])
def test_every_finished_request_has_a_lifecycle_row_with_its_real_finish_reason(workloads, name):
    session, truth, _ = workloads[name]
    rows = {r["request_id"]: r for r in _rows(session, "request_lifecycle.csv")}
    assert truth["finished"]
    for rid, reason in truth["finished"].items():
        assert rows[rid]["finish_reason"] == reason.lower()
        assert rows[rid]["finished_sec"] != ""
        assert int(rows[rid]["num_output_tokens"]) > 0


@pytest.mark.parametrize("name", ["overflow", "shared_prefix", "chunked_prefill"])
def test_first_token_falls_in_the_step_where_vllm_first_has_output(workloads, name):
    """The probe works first tokens out from the scheduled work (prompt complete after the
    step); vLLM's request state says when a request first holds an output token. Each
    first_token_sec must lie in that step: after its schedule() began, before the next one."""
    import bisect
    session, truth, _ = workloads[name]
    starts = [float(r["timestamp_sec"]) for r in _rows(session, "batch_utilization.csv")]
    rows = {r["request_id"]: r for r in _rows(session, "request_lifecycle.csv")}
    assert truth["first_token_step"]
    for rid, step in truth["first_token_step"].items():
        t = float(rows[rid]["first_token_sec"])
        assert bisect.bisect_right(starts, t) - 1 == step, (rid, t, step)


def test_recorded_evictions_equal_blocks_removed_from_the_cached_block_map(workloads):
    session, truth, _ = workloads["shared_prefix"]
    evictions = _rows(session, "kv_cache_evictions.csv")
    assert truth["evicted_pairs"] > 0
    assert len(evictions) == truth["evicted_pairs"] == truth["kv_removed_events"]
    assert all(float(e["lifetime_sec"]) >= float(e["idle_sec"]) >= 0 for e in evictions)


def test_eviction_lifetimes_match_vllms_own_block_metrics(workloads):
    """The probe times blocks itself (allocation and free times kept off vLLM's thread); vLLM's
    KVCacheMetricsCollector times them too. Every recorded eviction must find, in order, one of
    vLLM's events (it has one per block taken off the free queue, cached or not) with the same
    lifetime, up to the few microseconds between vLLM's clock reads and the probe's."""
    session, truth, _ = workloads["shared_prefix"]
    theirs = truth["vllm_block_lifetimes"]
    if not theirs:
        pytest.skip("this vLLM has no kv_cache_metrics (KVCacheMetricsCollector)")
    ours = [float(e["lifetime_sec"]) for e in _rows(session, "kv_cache_evictions.csv")]
    assert ours
    j = 0
    for k, life in enumerate(ours):
        while j < len(theirs) and abs(theirs[j] - life) > 0.003:
            j += 1
        assert j < len(theirs), "eviction %d (lifetime %.6f s) has no vLLM event after the previous match" % (k, life)
        j += 1


def test_kv_hooks_leave_the_block_pools_attributes_inline(tmp_path):
    """On CPython 3.11 and 3.12 reading an instance's __dict__ moves its inline attribute values into a
    dict for good, and vLLM's own BlockPool methods then run ~10 % slower: the KV hooks, run
    here on a real pool, never do. (The instance dict, once made, is among the pool's referents.)"""
    code = (
        "import gc, sys; sys.path[:0] = [%r, %r]\n"
        "import vllm_testbed as tb\n"
        "from profilemate_probe.targets import kv_cache\n"
        "class Prof:\n"
        "    enabled = True\n"
        "    out = staticmethod(lambda record: None)\n"
        "    def fail(self, where, exc): raise exc\n"
        "pool = tb.make_scheduler(num_blocks=64, block_size=16).kv_cache_manager.block_pool\n"
        "def made():\n"
        "    return any(type(r) is dict and 'free_block_queue' in r for r in gc.get_referents(pool))\n"
        "before = made()\n"
        "hook = {t.qualname.split('.')[1]: t.factory(getattr(type(pool), t.qualname.split('.')[1]), Prof())\n"
        "        for t in kv_cache.TARGETS}\n"
        "blocks = hook['get_new_blocks'](pool, 2)\n"
        "hook['touch'](pool, blocks)\n"
        "hook['free_blocks'](pool, blocks)\n"
        "hook['free_blocks'](pool, iter(blocks))\n"
        "hook['evict_blocks'](pool, {blocks[0].block_id})\n"
        "print(before, made())\n" % (PROBE, HERE))
    r = run_python(code, pythonpath="", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr[-2000:]
    before, after = r.stdout.split()[-2:]
    if before == "True":
        pytest.skip("this Python keeps a BlockPool's attributes in a dict anyway")
    assert after == "False"


@pytest.mark.parametrize("name", ["overflow", "chunked_prefill"])
def test_every_step_has_its_scheduling_and_update_from_output_cpu_time(workloads, name):
    session, truth, _ = workloads[name]
    ops = _rows(session, "cpu_operations_timing.csv")
    scheduling = [r for r in ops if r["operation"] == "scheduling"]
    updates = [r for r in ops if r["operation"] == "update_from_output"]
    assert len(scheduling) == truth["steps"]
    # one update per scheduled step, joined to it by step number
    assert sorted(r["context"] for r in updates) == sorted(r["context"] for r in scheduling)
    assert all(float(r["duration_ms"]) > 0 for r in scheduling + updates)


def test_chunked_prefill_shows_mixed_steps(workloads):
    session, truth, _ = workloads["chunked_prefill"]
    phases = [r["phase"] for r in _rows(session, "batch_utilization.csv")]
    assert truth["mixed_steps"] > 0
    assert phases.count("mixed") >= truth["mixed_steps"]
    assert "prefill" in phases and "decode" in phases


def test_prompt_never_reaches_any_output(workloads):
    session, truth, _ = workloads["overflow"]
    planted = truth["planted"]
    needles = [",".join(map(str, planted)).encode(), " ".join(map(str, planted)).encode(),
               b"".join(x.to_bytes(4, "little") for x in planted),
               b"".join(x.to_bytes(8, "little") for x in planted)]
    files = [p for p in glob.glob(session + "/**", recursive=True) if os.path.isfile(p)]
    assert any(p.endswith(".pmspool") for p in files) and any(p.endswith(".csv") for p in files)
    for path in files:
        data = open(path, "rb").read()
        for n in needles:
            assert n not in data, path
    ids = {r["request_id"] for r in _rows(session, "request_lifecycle.csv")}
    assert any(i.startswith("planted-") for i in ids)


def test_startup_line_once_and_metadata_has_engine_config(workloads):
    session, _, stderr = workloads["overflow"]
    assert stderr.count("[sitecustomize] vLLM Comprehensive Instrumentation Loaded") == 1
    meta = json.load(open(os.path.join(session, "metadata.json")))
    assert meta["engine"]["max_num_seqs"] == 8
    assert meta["engine"]["vllm_version"] == vllm.__version__
    attached = {k for k, v in meta["probe_targets"].items() if v["state"] == "attached"}
    assert "vllm.v1.core.sched.scheduler:Scheduler.schedule" in attached
    assert "vllm.v1.core.block_pool:BlockPool.get_new_blocks" in attached


def test_failing_hook_leaves_vllm_results_unchanged_and_logs_once(tmp_path):
    """The same workload with a probe hook that raises gives vLLM's results of a run without
    any probe; the scheduler profiler turns itself off with one line."""
    code = (
        "import sys, json; sys.path.insert(0, %r)\n"
        "import vllm_testbed as tb\n"
        "import profilemate_probe as p\n"
        "if p.probe() is not None:\n"
        "    from profilemate_probe.targets import scheduler as s\n"
        "    def boom(*a): raise RuntimeError('planted probe failure')\n"
        "    s._prefill_ids = boom\n"
        "sched, reqs, add = tb.overflow_workload()\n"
        "trace = []\n"
        "res = tb.run(sched, reqs, on_step=lambda i, s: trace.append([i.num_scheduled_tokens, i.preempted_req_ids, sorted(i.finished.items())]), add_at=add)\n"
        "print(json.dumps(trace))\n" % HERE)
    with_probe = run_python(code, {"VLLM_PROFILING_DIR": str(tmp_path / "a")})
    without = run_python(code, {"VLLM_ENABLE_PROFILING": "0"})
    assert with_probe.returncode == 0 and without.returncode == 0, with_probe.stderr[-2000:]
    assert json.loads(with_probe.stdout.splitlines()[-1]) == json.loads(without.stdout.splitlines()[-1])
    lines = [l for l in with_probe.stderr.splitlines() if "disabled after a hook error" in l]
    assert len(lines) == 1 and "planted probe failure" in lines[0]


def test_doctor_attaches_every_required_target_on_the_installed_vllm():
    r = run_python("import json, profilemate_probe.doctor as d; print(\"\\nDOCTOR\" + json.dumps(d.diagnose()))",
                   {"VLLM_ENABLE_PROFILING": "0"})
    assert r.returncode == 0, r.stderr[-2000:]
    doc = json.loads(r.stdout.split("\nDOCTOR")[-1])
    assert doc["vllm_version"] == vllm.__version__
    required = [t for t in doc["targets"] if not t["optional"]]
    assert required and all(t["state"] == "attached" for t in required), required


def test_session_files_appear_with_no_extra_command(tmp_path):
    """The probe starts the engine's collector beside vLLM; it finalises the files at exit."""
    subprocess.run([os.path.join(REPO, "profilemate"), "--version"], check=True, capture_output=True)  # jar built
    r = _drive("chunked_prefill", tmp_path, {"PROFILEMATE_SIDECAR": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    session = glob.glob(str(tmp_path / "prof" / "session_*"))[0]
    import time
    deadline = time.time() + 120
    while time.time() < deadline and not os.path.exists(os.path.join(session, "metadata.json")):
        time.sleep(1)
    # the collector's final export follows the process exit; wait for it to finish writing
    while time.time() < deadline:
        rows = _rows(session, "request_lifecycle.csv") if os.path.exists(os.path.join(session, "request_lifecycle.csv")) else []
        if rows and all(row["finished_sec"] for row in rows) and len(rows) == 6:
            break
        time.sleep(1)
    truth = json.loads((tmp_path / "truth.json").read_text())
    rows = {row["request_id"]: row for row in _rows(session, "request_lifecycle.csv")}
    assert set(rows) == set(truth["finished"])
    assert len(_rows(session, "kv_cache_usage.csv")) == truth["steps"]


def test_without_java_the_probe_says_how_to_export_later_and_keeps_spools(tmp_path):
    empty = tmp_path / "nojvm"
    empty.mkdir()
    r = _drive("chunked_prefill", tmp_path, {"PROFILEMATE_SIDECAR": "1", "PROFILEMATE_JAVA_DIRS": str(empty),
                                             "PATH": "/usr/bin/nonexistent", "JAVA_HOME": str(empty)})
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [l for l in r.stderr.splitlines() if "profilemate export" in l]
    assert len(lines) == 1 and "Java 21+ not found" in lines[0]
    session = glob.glob(str(tmp_path / "prof" / "session_*"))[0]
    assert glob.glob(session + "/raw/*.pmspool")
    assert not os.path.exists(os.path.join(session, "metadata.json"))


def test_the_probes_variables_pass_vllms_strict_environment_check(tmp_path):
    """vLLM checks VLLM_* variables at start-up (a warning, or a stop under
    --fail-on-environ-validation); the probe's SPEC names must pass it and must not stay in
    vLLM's registry, whose every entry keys the torch.compile cache."""
    code = (
        "import os, vllm, vllm.envs as envs\n"
        "try:\n"
        "    from vllm.platforms import current_platform\n"
        "    check = getattr(current_platform, 'validate_environ', None) or envs.validate_environ\n"
        "except Exception:\n"
        "    check = getattr(envs, 'validate_environ', None)\n"
        "if check is None:\n"
        "    print('NOCHECK'); raise SystemExit(0)\n"
        "check(True)\n"
        "assert 'VLLM_PROFILING_DIR' not in envs.environment_variables\n"
        "os.environ['VLLM_NOT_A_REAL_SETTING'] = '1'\n"
        "try:\n"
        "    check(True)\n"
        "except ValueError as e:\n"
        "    print('STRICT', e)\n")
    r = run_python(code, {"VLLM_PROFILING_DIR": str(tmp_path), "VLLM_ENABLE_PROFILING": "1",
                          "VLLM_PROFILING_VERBOSE": "0"})
    if "NOCHECK" in r.stdout:
        pytest.skip("this vLLM does not check its environment variables")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "STRICT" in r.stdout and "VLLM_NOT_A_REAL_SETTING" in r.stdout  # the check itself still works
    assert "disabled after a hook error" not in r.stderr
