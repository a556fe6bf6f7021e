"""Live /metrics against a REAL Prometheus server (Debian's package; scripts/install_prometheus.sh).

Prometheus scrapes three targets every 500 ms: the collector the probe starts beside the demo's
workload on vLLM's real scheduler (VLLM_PROFILING_METRICS_PORT), vLLM's own metrics for the same
run (its PrometheusStatLogger fed the scheduler's real SchedulerStats; drive_live_metrics.py), and
a second collector following the golden fixture session while its segments arrive (the only one
with forward-pass, CUDA-graph and MoE records: the demo has no GPU). Then, through Prometheus's
HTTP API: the demo's values equal its session files, the collector was scraped while the workload
ran, profilemate_* and vllm:* join on (model_name, engine), and every query of every panel of
deploy/grafana/profilemate.json returns data.
"""
import csv
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

from conftest import PROBE, REPO

vllm = pytest.importorskip("vllm")

JAR = os.path.join(REPO, "engine", "target", "profilemate-all.jar")
DASHBOARD = os.path.join(REPO, "deploy", "grafana", "profilemate.json")
SCRAPE = "500ms"


def _need(ok, why):
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(why + " (CI must run this test: .ci/run installs it)")
        pytest.skip(why)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _java():
    sys.path.insert(0, PROBE)
    from profilemate_probe import sidecar
    return sidecar.find_java()


class Prom:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d/api/v1/" % port

    def _get(self, path, **params):
        url = self.base + path + "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]["result"]

    def query(self, q):
        return self._get("query", query=q)

    def value(self, q):
        """The single value of an instant query (None when it returns nothing)."""
        r = self.query(q)
        assert len(r) <= 1, (q, r)
        return float(r[0]["value"][1]) if r else None

    def by(self, q, label):
        return {s["metric"].get(label, ""): float(s["value"][1]) for s in self.query(q)}

    def range(self, q, start, end):
        return self._get("query_range", query=q, start=start, end=end, step="0.5")


def _rows(session, name):
    with open(os.path.join(session, name), newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    prometheus = shutil.which("prometheus") or ("/usr/bin/prometheus" if os.path.exists("/usr/bin/prometheus") else None)
    _need(prometheus, "prometheus is not installed (bash scripts/install_prometheus.sh)")
    _need(os.path.isfile(JAR), "engine jar not built (%s)" % JAR)
    java = _java()
    _need(java, "Java 21+ not found")
    tmp = tmp_path_factory.mktemp("live")
    p_prom, p_demo, p_vllm, p_golden = (_free_port() for _ in range(4))
    procs = []

    # the golden session, its segments arriving one by one while a collector follows it
    golden = tmp / "session_golden_live"
    (golden / "raw").mkdir(parents=True)
    src = os.path.join(REPO, "spool-format", "fixtures", "session_rotated", "raw")
    golden_log = open(tmp / "golden-collector.log", "w")
    procs.append(subprocess.Popen(
        [java, "-jar", JAR, "collect", str(golden), "--pid", str(os.getpid()), "--interval", "0.3",
         "--max-wait", "600", "--metrics-port", str(p_golden),
         # not throttled to a tenth of a core: on a loaded machine a throttled refresh sleeps for
         # seconds and the feeder's stages (below) would outrun the test's deadlines
         "--max-cpu-share", "1"], stdout=golden_log, stderr=subprocess.STDOUT))

    cfg = tmp / "prometheus.yml"
    cfg.write_text(
        "global: {scrape_interval: %s, scrape_timeout: 400ms}\n"
        "scrape_configs:\n"
        "  - job_name: demo\n    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
        "  - job_name: golden\n    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
        "  - job_name: vllm\n    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
        % (SCRAPE, p_demo, p_golden, p_vllm))
    prom_log = open(tmp / "prometheus.log", "w")
    procs.append(subprocess.Popen(
        [prometheus, "--config.file", str(cfg), "--storage.tsdb.path", str(tmp / "tsdb"),
         "--web.listen-address", "127.0.0.1:%d" % p_prom], stdout=prom_log, stderr=subprocess.STDOUT))
    prom = Prom(p_prom)
    start = time.time()

    def scraped(q, samples):
        """Waits (at most 60 s) until Prometheus holds `samples` scrapes of the series q."""
        until = time.time() + 60
        while time.time() < until:
            try:
                if (prom.value("max(count_over_time(%s[10m]))" % q) or 0) >= samples:
                    return
            except OSError:  # Prometheus still starting
                pass
            time.sleep(0.2)

    def feed_golden():
        # chunk by chunk, as the probe appends them, so every series grows while Prometheus scrapes
        # (a series that first appears whole has no rate()). The fixture is small (6 steps, 5 forward
        # passes) and a collector on a loaded machine may read several chunks in one refresh (it
        # keeps to a tenth of a core), so the forward passes come in two stages: what the first three
        # segments release (the first of each phase), held until Prometheus has scraped it a few
        # times, then the rest (two more decode passes): the histogram's rate() has an increase to show
        from conftest import spool_chunks
        for name in ("engine_core-301.0.pmspool", "worker-302.0.pmspool", "engine_core-301.1.pmspool",
                     "worker-302.1.pmspool", "worker-302.2.pmspool", "engine_core-301.2.pmspool",
                     "worker-302.3.pmspool"):
            if name == "worker-302.1.pmspool":
                scraped('profilemate_forward_seconds_count{job="golden"}', 3)
            data = open(os.path.join(src, name), "rb").read()
            done = 0
            for _header, _start, end in spool_chunks(data):
                with open(golden / "raw" / name, "ab") as f:
                    f.write(data[done:end])
                done = end
                time.sleep(0.35)
        shutil.copy(os.path.join(src, "segments.jsonl"), golden / "raw" / "segments.jsonl")
    feeder = threading.Thread(target=feed_golden, daemon=True)
    feeder.start()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLLM_", "PROFILEMATE_", "ENABLE_"))}
    env.update(PYTHONPATH=PROBE, VLLM_PROFILING_DIR=str(tmp / "profiling"), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", PROFILEMATE_JAR=JAR, PROFILEMATE_JAVA=java,
               VLLM_PROFILING_METRICS_PORT=str(p_demo), VLLM_PROFILING_METRICS_LINGER="5")
    try:
        drv = subprocess.run([sys.executable, os.path.join(PROBE, "tests", "drive_live_metrics.py"),
                              str(p_vllm), "8", "3"], env=env, capture_output=True, text=True, timeout=600)
        assert drv.returncode == 0, drv.stderr[-3000:]
        session = next(os.path.join(tmp / "profiling", d) for d in os.listdir(tmp / "profiling"))
        deadline = time.time() + 120
        last = lambda q: "last_over_time(%s[10m])" % q  # noqa: E731  (survives the collector's exit)
        while prom.value(last('profilemate_session_finished{job="demo"}')) != 1.0:
            assert time.time() < deadline, "the demo collector's final values never reached Prometheus: " + \
                open(os.path.join(session, "collector.log")).read()[-2000:]
            time.sleep(0.5)
        feeder.join(timeout=300)
        assert not feeder.is_alive(), "the golden session's feeder did not finish in 300 s"
        # the golden session's own deadline: the feeder may end well after the demo (it waits for
        # scrapes between its stages), and its last segment's records are released only once
        # segments.jsonl says the segments are closed
        deadline = time.time() + 120
        q = 'sum(profilemate_steps_total{job="golden"})'
        while (steps := prom.value(q)) != 6.0:  # the whole golden session
            assert time.time() < deadline, "golden steps_total %s, not 6:\n%s" % (
                steps, open(tmp / "golden-collector.log").read()[-2000:])
            time.sleep(0.5)
        time.sleep(2.5)  # a few more scrapes for the rate() windows
        yield dict(prom=prom, session=session, start=start, last=last, drv=drv)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_prometheus_values_equal_the_session_files(run):
    prom, s, last = run["prom"], run["session"], run["last"]
    D = '{job="demo"}'

    def by(metric, label):
        return prom.by("sum by (%s) (%s)" % (label, last(metric + D)), label)

    steps = _rows(s, "batch_utilization.csv")
    phases = {}
    for r in steps:
        phases[r["phase"]] = phases.get(r["phase"], 0) + 1
    assert len(steps) > 400
    assert by("profilemate_steps_total", "phase") == phases
    tokens = by("profilemate_scheduled_tokens_total", "kind")
    assert tokens == {"prefill": sum(int(r["num_prefill_tokens"]) for r in steps),
                      "decode": sum(int(r["num_decode_tokens"]) for r in steps)}
    span = float(steps[-1]["timestamp_sec"]) - float(steps[0]["timestamp_sec"])
    assert prom.value("sum(%s)" % last("profilemate_step_duration_seconds_count" + D)) == len(steps) - 1
    assert prom.value("sum(%s)" % last("profilemate_step_duration_seconds_sum" + D)) == pytest.approx(span, abs=1e-6)
    active = [r for r in steps if r["phase"] != "idle"]
    summary = json.load(open(os.path.join(s, "batch_utilization_summary.json")))
    fill = by("profilemate_batch_fill_ratio_sum", "by")
    assert fill["requests"] / len(active) * 100 == pytest.approx(summary["mean_seq_utilization_pct"], abs=0.01)
    kv = _rows(s, "kv_cache_usage.csv")[-1]
    assert prom.value(last("profilemate_kv_cache_usage_ratio" + D)) == pytest.approx(float(kv["usage_pct"]) / 100, abs=5e-5)
    assert prom.value(last("profilemate_kv_cache_used_blocks" + D)) == float(kv["num_blocks"])
    assert prom.value(last("profilemate_kv_cache_blocks" + D)) == float(kv["total_blocks"])
    ev = _rows(s, "kv_cache_evictions.csv")
    assert len(ev) > 100
    assert prom.value(last("profilemate_kv_block_idle_before_eviction_seconds_count" + D)) == len(ev)
    assert prom.value(last("profilemate_kv_block_idle_before_eviction_seconds_sum" + D)) == \
        pytest.approx(sum(float(r["idle_sec"]) for r in ev), abs=1e-6 * len(ev))
    under_1s = sum(1 for r in ev if float(r["idle_sec"]) <= 1.0)
    assert prom.value(last('profilemate_kv_block_idle_before_eviction_seconds_bucket{job="demo",le="1.0"}')) == under_1s
    reasons = {}
    for r in _rows(s, "preemption_events.csv"):
        if r["event"] == "preempted":
            reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
    assert reasons and by("profilemate_preemptions_total", "reason") == reasons
    cpu = {}
    for r in _rows(s, "cpu_operations_timing.csv"):
        cpu[r["operation"]] = cpu.get(r["operation"], 0) + float(r["duration_ms"]) / 1e3
    got = by("profilemate_cpu_operation_seconds_sum", "operation")
    assert set(got) == set(cpu)
    for op, sec in cpu.items():
        assert got[op] == pytest.approx(sec, abs=1e-6 * len(steps)), op


def test_the_collector_was_scraped_while_the_workload_ran(run):
    prom = run["prom"]
    during = prom.range('sum(profilemate_steps_total{job="demo"}) and on() '
                        '(max(profilemate_session_finished{job="demo"}) == 0)', run["start"], time.time())
    assert during and len(during[0]["values"]) >= 2, "no scrape saw the session before it finished"
    values = [float(v) for _, v in during[0]["values"]]
    final = prom.value('sum(%s)' % run["last"]('profilemate_steps_total{job="demo"}'))
    assert 0 < min(values) < final  # a mid-run refresh's values (the workload had steps left)
    assert values == sorted(values)


def test_profilemate_and_vllm_series_join_on_model_name_and_engine(run):
    prom = run["prom"]
    joined = prom.range('profilemate_kv_cache_usage_ratio{job="demo"} - on (model_name, engine) '
                        '{__name__=~"vllm[:_]kv_cache_usage_perc"}', run["start"], time.time())
    assert len(joined) == 1 and joined[0]["metric"]["engine"] == "0"
    # vLLM's own counter for the same run: the prefix-cache hits the demo prints
    # vLLM's own counter for the same run equals the probe's count (demo: "3840 prefix-cache hit tokens")
    hits = prom.value('max(last_over_time({__name__=~"vllm[:_]prefix_cache_hits_total"}[10m]))')
    assert hits is not None and hits > 0


def test_every_dashboard_query_returns_data_from_prometheus(run):
    prom = run["prom"]
    dash = json.load(open(DASHBOARD))
    empty = []
    n = 0
    for panel in dash["panels"]:
        for target in panel["targets"]:
            n += 1
            q = (target["expr"].replace("$__rate_interval", "2s")
                 .replace("$model_name", ".+").replace("$engine", ".+"))
            series = prom.range(q, run["start"], time.time())
            finite = [v for s in series for _, v in s["values"] if math.isfinite(float(v))]
            if not finite:
                empty.append("%s: %s" % (panel["title"], target["expr"]))
    assert n >= 14 and not empty, "panels without data:\n" + "\n".join(empty)


def test_the_probe_passes_the_metrics_settings_to_collect_only_when_a_port_is_set():
    sys.path.insert(0, PROBE)
    from profilemate_probe.sidecar import metrics_args
    assert metrics_args({}) == [] and metrics_args({"VLLM_PROFILING_METRICS_PORT": "0"}) == []
    assert metrics_args({"VLLM_PROFILING_METRICS_PORT": "9464", "VLLM_PROFILING_METRICS_BIND": "0.0.0.0",
                         "VLLM_PROFILING_METRICS_LINGER": "15", "VLLM_PROFILING_METRICS_MOE_EXPERTS": "1"}) == \
        ["--metrics-port", "9464", "--metrics-bind", "0.0.0.0", "--metrics-linger", "15", "--metrics-moe-experts"]
