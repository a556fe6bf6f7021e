"""The demo's workload, slowed down, beside vLLM's OWN Prometheus metrics (test_live_metrics.py).

Runs demo/run_demo.py's workload on vLLM's real scheduler under the probe (whose collector serves
/metrics when VLLM_PROFILING_METRICS_PORT is set), and serves vLLM's own metrics the way a vLLM
server does: vLLM's PrometheusStatLogger, built from the scheduler's real VllmConfig, is given each
step's SchedulerStats from the EngineCoreOutputs that update_from_output returns (what EngineCore
hands the stat loggers), and prometheus_client serves them. There is no API server here, so only
the scheduler-fed vllm:* series exist (running/waiting requests, KV usage, prefix cache queries/hits);
request-latency series (TTFT, e2e) need vLLM's output processor and are absent.

Usage: python drive_live_metrics.py VLLM_METRICS_PORT SLOWDOWN LINGER_SEC
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "demo"))

import run_demo  # noqa: E402  (puts probe/tests on sys.path for vllm_testbed)
import vllm_testbed as tb  # noqa: E402


def main():
    port, slowdown, linger = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    from vllm.plugins import load_general_plugins
    load_general_plugins()
    sched, first, add_at = run_demo.build()

    import prometheus_client
    from vllm.v1.metrics.loggers import PrometheusStatLogger
    stat_logger = PrometheusStatLogger(sched.vllm_config, [0])
    prometheus_client.start_http_server(port, addr="127.0.0.1")

    update = sched.update_from_output

    def update_and_record(scheduler_output, model_output):
        outputs = update(scheduler_output, model_output)
        for eco in outputs.values():
            if eco.scheduler_stats is not None:
                stat_logger.record(eco.scheduler_stats, None, engine_idx=0)
        return outputs

    sched.update_from_output = update_and_record

    def pace(info, _scheduler):
        time.sleep(slowdown * (0.001 + 4e-6 * info.num_scheduled_tokens))

    result = tb.run(sched, first, on_step=pace, add_at=add_at)
    print("drive_live_metrics: %d steps" % result.summary()["steps"], flush=True)
    time.sleep(linger)  # vLLM's /metrics stays up for a last scrape


if __name__ == "__main__":
    main()
