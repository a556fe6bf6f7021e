"""Fault injection against real vLLM (the demo's scheduler path): an exception in each hook in
turn, an unwritable session folder, a full disk, SIGKILL mid-run, the collector killed.

Each case must leave vLLM's scheduler outputs identical to a probe-off run's, log one line,
disable only the affected profiler, and lose no record it flushed (losses counted exactly).
The cases, their runner and the checks live in fault_cases.py, shared with
scripts/reliability.py, which writes the same rows as the table in docs/reliability.md.
"""
import sys

import pytest

vllm = pytest.importorskip("vllm")

import fault_cases as fc  # noqa: E402


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    runner = fc.Runner(str(tmp_path_factory.mktemp("faults")), python=sys.executable, jobs=2)
    rows = runner.run()
    return {row["name"]: row for row in rows}, runner


def _passes(row):
    assert not row.get("harness_error"), row["harness_error"]
    if row.get("skipped"):
        pytest.skip("%s: %s" % (row["name"], row["skipped"]))
    assert row["checks"] == [], "%s: %s" % (row["name"], row["checks"])


def test_the_unfaulted_run_matches_a_fresh_interpreter_and_loses_nothing(cases):
    rows, runner = cases
    _passes(rows["none"])
    assert runner.baseline["code"] == 0 and runner.baseline["log"] == []
    assert runner.reference["code"] == 0 and runner.reference["log"] == []


def test_an_exception_in_each_hook_disables_only_its_profiler(cases):
    rows, runner = cases
    hooks = [row for name, row in rows.items() if name.startswith("hook:")]
    # one case per attached hook whose probe code runs on this path, enumerated from the patch
    # table (11 on vLLM 0.33: the scheduler's, the KV block pool's and the KV cache manager's lookup)
    assert "hook:vllm.v1.core.sched.scheduler:Scheduler.schedule" in rows, sorted(rows)
    assert "hook:vllm.v1.core.block_pool:BlockPool.get_new_blocks" in rows, sorted(rows)
    assert "hook:vllm.v1.core.kv_cache_manager:KVCacheManager.get_computed_blocks" in rows, sorted(rows)
    assert {row["affected"] for row in hooks if "affected" in row} == {"scheduler", "kv_cache", "prefix_cache"}
    failed = ["%s: %s" % (row["name"], row.get("harness_error") or row["checks"])
              for row in hooks if row.get("harness_error") or row["checks"]]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("name", ["unwritable", "unwritable_parent_is_file", "session_readonly"])
def test_an_unwritable_session_folder_turns_profiling_off_with_one_line(cases, name):
    _passes(cases[0][name])


def test_a_full_disk_keeps_what_was_written_and_counts_the_rest_exactly(cases):
    row = cases[0]["disk_full"]
    _passes(row)
    assert row["writer_lost"] > 0 and row["handed"] == row["on_disk"] + row["writer_lost"]


def test_sigkill_mid_run_leaves_every_committed_chunk_readable(cases):
    row = cases[0]["sigkill"]
    _passes(row)
    assert 0 < row["on_disk"] and row["exported"] == row["on_disk_readable"]


def test_a_killed_collector_costs_nothing_and_is_said_once(cases):
    _passes(cases[0]["collector_killed"])


def test_the_fault_runs_stay_within_their_time_budget(cases):
    # the cases run in the README's test command: keep them bounded (2 cores: ~1 minute)
    assert cases[1].elapsed < 180
