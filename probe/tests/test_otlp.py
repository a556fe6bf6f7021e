"""The OTLP export end to end on the REAL vLLM scheduler: the demo's workload (chunked prefill,
preemptions and their recomputation) with W3C trace headers on a third of its requests, as vLLM's
API server hands them to the scheduler (Request.trace_headers), under the probe; then
`profilemate export --otlp` to a real OpenTelemetry Collector (scripts/install_otelcol.sh builds it
from its Go modules, once) that writes what it receives to a file. Compared with vLLM's own state
that the driver recorded: each traced request's spans are in the caller's trace, children of the
caller's span; each request's prefill_chunk spans are vLLM's scheduled prefill tokens step by step;
its preemption events are vLLM's num_preemptions.
"""
import json
import os
import socket
import subprocess
import time

import pytest

from conftest import REPO
from test_vllm_scheduler import _exported

pytest.importorskip("vllm")


def _collector_binary():
    r = subprocess.run(["bash", os.path.join(REPO, "scripts", "install_otelcol.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("scripts/install_otelcol.sh failed in CI: " + r.stderr[-2000:])
        pytest.skip("no OpenTelemetry Collector (scripts/install_otelcol.sh needs Go 1.26): " + r.stderr[-300:])
    return r.stdout.strip()


@pytest.fixture
def collector(tmp_path):
    """A real Collector on a free loopback port: (endpoint, the JSON-lines file it writes)."""
    binary = _collector_binary()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "otlp.jsonl"
    config = tmp_path / "otelcol.yaml"
    config.write_text(
        "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:%d\n"
        "exporters:\n  file:\n    path: %s\n    flush_interval: 100ms\n"
        "service:\n  telemetry:\n    metrics:\n      level: none\n"
        "  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [file]\n"
        "    metrics:\n      receivers: [otlp]\n      exporters: [file]\n" % (port, out))
    log = open(tmp_path / "otelcol.log", "w")
    proc = subprocess.Popen([binary, "--config=file:%s" % config], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "otelcol.log").read_text()
                time.sleep(0.05)
        yield "http://127.0.0.1:%d" % port, out
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _spans(path):
    spans = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                break  # a line the Collector is still writing
            for rs in doc.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    spans.extend(ss.get("spans", []))
    return spans


def _steps_total(path):
    """profilemate_steps_total of the latest metrics export, summed over phases (None before any)."""
    total = None
    for line in path.read_text().splitlines() if path.exists() else ():
        try:
            doc = json.loads(line)
        except ValueError:
            break
        for rm in doc.get("resourceMetrics", []):
            for sm in rm.get("scopeMetrics", []):
                for m in sm.get("metrics", []):
                    if m["name"] == "profilemate_steps_total":
                        total = sum(int(p["asInt"]) for p in m["sum"]["dataPoints"])
    return total


def _attr(node, key):
    for a in node.get("attributes", []):
        if a["key"] == key:
            return next(iter(a["value"].values()))
    return None


def test_spans_of_real_scheduler_requests_join_the_callers_trace(tmp_path, collector):
    endpoint, out = collector
    session, truth, _ = _exported("traced", tmp_path / "run", {"PM_TEST_OTLP_ENDPOINT": endpoint})
    r = subprocess.run([os.path.join(REPO, "profilemate"), "export", session, "--otlp", endpoint],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    finished = truth["finished"]
    assert "otlp: sent %d requests" % len(finished) in r.stdout
    deadline = time.monotonic() + 30
    while not any(s["name"] == "decode" for s in _spans(out)) or \
            sum(s["name"] == "vllm.request" for s in _spans(out)) < len(finished):
        assert time.monotonic() < deadline, "the Collector's file did not get the spans"
        time.sleep(0.1)
    spans = _spans(out)
    roots = {_attr(s, "gen_ai.request.id"): s for s in spans if s["name"] == "vllm.request"}
    assert set(roots) == set(finished)
    children = {}
    for s in spans:
        children.setdefault(s.get("parentSpanId", ""), []).append(s)

    # the caller's trace: traced requests are children of the caller's span, the others start their own
    traced = truth["traces"]
    assert len(traced) >= 10
    for rid, root in roots.items():
        if rid in traced:
            assert (root["traceId"], root["parentSpanId"]) == tuple(traced[rid]), rid
        else:  # no header, or a malformed one
            assert root.get("parentSpanId", "") == "" and root["traceId"] not in {t for t, _ in traced.values()}
        for child in children.get(root["spanId"], []):
            assert child["traceId"] == root["traceId"]

    # vLLM's own llm_request span (its OutputProcessor, tracing on) is our root's sibling: same
    # trace, same parent (the caller's span), for every traced request
    vllm_spans = {_attr(s, "gen_ai.request.id"): s for s in spans if s["name"] == "llm_request"}
    assert set(traced) <= set(vllm_spans)
    for rid in traced:
        ours, theirs = roots[rid], vllm_spans[rid]
        assert (theirs["traceId"], theirs["parentSpanId"]) == (ours["traceId"], ours["parentSpanId"]), rid

    # prefill chunks: per request and step, the tokens vLLM scheduled for it while in prefill
    expected = {}
    for step, tokens in enumerate(truth["prefill_tokens"]):
        for rid, n in tokens.items():
            expected.setdefault(rid, []).append((step, n))
    recorded = {}
    for rid, root in roots.items():
        chunks = [s for s in children.get(root["spanId"], []) if s["name"] == "prefill_chunk"]
        recorded[rid] = sorted((int(_attr(c, "profilemate.step")), int(_attr(c, "profilemate.num_tokens")))
                               for c in chunks)
    assert recorded == {rid: sorted(v) for rid, v in expected.items() if rid in roots}
    assert any(len(v) > 1 for v in recorded.values())  # the long documents' chunked prefills

    # preemptions: span events, as many as vLLM counted for the request
    preempted = {rid: sum(e["name"] == "preempted" for e in root.get("events", [])) for rid, root in roots.items()}
    assert preempted == {rid: truth["preemptions"][rid] for rid in roots}
    assert sum(preempted.values()) > 0


def test_the_collector_beside_vllm_sends_each_request_once(tmp_path, collector):
    """VLLM_PROFILING_OTLP_ENDPOINT set: the collector the probe starts beside vLLM sends after its
    refreshes and at the end; every finished request arrives, each exactly once."""
    endpoint, out = collector
    subprocess.run([os.path.join(REPO, "profilemate"), "--version"], check=True, capture_output=True)  # jar built
    from test_vllm_scheduler import _drive
    r = _drive("traced", tmp_path, {"PROFILEMATE_SIDECAR": "1", "VLLM_PROFILING_OTLP_ENDPOINT": endpoint})
    assert r.returncode == 0, r.stderr[-2000:]
    truth = json.loads((tmp_path / "truth.json").read_text())
    session = next((tmp_path / "prof").glob("session_*"))
    deadline = time.monotonic() + 120
    while sum(s["name"] == "vllm.request" for s in _spans(out)) < len(truth["finished"]):
        assert time.monotonic() < deadline, (session / "collector.log").read_text()[-2000:]
        time.sleep(0.5)
    # the collector's last send, after vLLM's exit, is the only one with each scheduler's last step:
    # once the steps counter holds every step, nothing more comes
    while _steps_total(out) != truth["steps"]:
        assert time.monotonic() < deadline, (session / "collector.log").read_text()[-2000:]
        time.sleep(0.5)
    ids = [_attr(s, "gen_ai.request.id") for s in _spans(out) if s["name"] == "vllm.request"]
    assert sorted(ids) == sorted(truth["finished"])
    sent = json.loads((session / "otlp_sent.json").read_text())
    assert sent["endpoint"] == endpoint and sent["requests"]
    assert "otlp" not in (session / "collector.log").read_text()  # no refused send
