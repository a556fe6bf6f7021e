"""scripts/vllm_core_tests.py's own logic (no vLLM run): JUnit outcomes by node id, their comparison."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import vllm_core_tests as v  # noqa: E402

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.v1.core.test_scheduler" name="test_a[1]" time="0.1" />
<testcase classname="tests.v1.core.test_scheduler" name="test_b" time="0.1"><failure message="AssertionError: x">tb</failure></testcase>
<testcase classname="tests.v1.core.test_kv_cache_utils.TestThing" name="test_c" time="0.1"><skipped type="pytest.skip" message="no GPU" /></testcase>
<testcase classname="tests.v1.core.test_kv_cache_utils" name="test_d" time="0.1"><skipped type="pytest.xfail" message="known" /></testcase>
<testcase classname="tests.v1.core.test_prefix_caching" name="test_e" time="0.1"><error message="failed on setup with &quot;huggingface_hub.errors.LocalEntryNotFoundError: x&quot;">e</error></testcase>
<testcase classname="tests.v1.core.test_prefix_caching" name="test_f" time="0.1"><error message="teardown">e</error></testcase>
<testcase classname="tests.v1.core.test_prefix_caching" name="test_f" time="0.1" />
</testsuite></testsuites>"""


def test_junit_outcomes_by_node_id(tmp_path):
    path = tmp_path / "j.xml"
    path.write_text(JUNIT)
    messages = {}
    got = v.read_junit(str(path), messages)
    assert got == {
        "tests/v1/core/test_scheduler.py::test_a[1]": "passed",
        "tests/v1/core/test_scheduler.py::test_b": "failed",
        "tests/v1/core/test_kv_cache_utils.py::TestThing::test_c": "skipped",
        "tests/v1/core/test_kv_cache_utils.py::test_d": "xfailed",
        "tests/v1/core/test_prefix_caching.py::test_e": "error",
        "tests/v1/core/test_prefix_caching.py::test_f": "error",
        "tests/v1/core/test_prefix_caching.py::test_f#2": "passed",  # a teardown error's second entry kept apart
    }
    assert v.failure_reason(messages["tests/v1/core/test_prefix_caching.py::test_e"]) == "needs Hub files (no copy offline)"
    assert v.failure_reason("ValidationError: 1 validation error for ModelConfig\n  Value error, Invalid repository "
                            "ID or local directory specified: 'Qwen/Qwen3-0.6B'. Please") == \
        "needs the Hub model Qwen/Qwen3-0.6B (no copy offline)"


def test_any_difference_is_one_line_and_identical_runs_none():
    off = {"a": "passed", "b": "failed", "c": "skipped"}
    assert v.diff_outcomes(off, dict(off)) == []
    assert v.diff_outcomes(off, {"a": "passed", "b": "passed", "d": "passed"}) == [
        "DIFFERS b: probe off failed, probe on passed",
        "DIFFERS c: probe off skipped, probe on absent",
        "DIFFERS d: probe off absent, probe on passed",
    ]
