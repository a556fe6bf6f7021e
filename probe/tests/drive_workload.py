"""Runs one test-bed workload on the real vLLM scheduler (under whatever probe is active)
and writes vLLM's own ground truth as JSON: per-step KV usage, preemptions, finishes,
evictions seen in the cached-block map. Usage: drive_workload.py WORKLOAD OUT.json"""
import json
import os
import sys

import vllm_testbed as tb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "demo"))
import run_demo  # noqa: E402  (the demo's workload: preemptions whose recomputation spans chunks)

PLANTED = [31337, 27182, 16180, 14142, 17320]  # a "prompt" the outputs must never contain


def main(name, out):
    make = {"overflow": tb.overflow_workload, "shared_prefix": tb.shared_prefix_workload,
            "chunked_prefill": tb.chunked_prefill_workload,
            "prefix_reset": tb.shared_prefix_workload, "demo": run_demo.build,
            "traced": run_demo.build}[name]
    sched, reqs, add_at = make()
    traces = {}
    if name == "traced":
        # as vLLM's API server hands them on: the W3C headers of the HTTP request in
        # Request.trace_headers (EngineCoreRequest.trace_headers -> Request.from_engine_core_request);
        # every other request comes without, and one with a malformed header
        for i, req in enumerate(sorted(reqs + [r for rs in add_at.values() for r in rs], key=lambda r: r.request_id)):
            if i % 3 == 0:
                trace, span = "%032x" % (0x5EED0000 + i), "%016x" % (0xC0FFEE00 + i)
                req.trace_headers = {"traceparent": "00-%s-%s-01" % (trace, span), "tracestate": "vendor=x"}
                traces[req.request_id] = [trace, span]
            elif i == 1:
                req.trace_headers = {"traceparent": "00-not-a-trace-01"}
        if os.environ.get("PM_TEST_OTLP_ENDPOINT"):
            flush = _vllm_tracing(sched, reqs + [r for rs in add_at.values() for r in rs],
                                  os.environ["PM_TEST_OTLP_ENDPOINT"])
    if name == "overflow":
        planted = tb.make_requests(1, 64, 8, scheduler=sched, id_prefix="planted-")[0]
        planted.prompt_token_ids[:len(PLANTED)] = PLANTED
        reqs.append(planted)
    usage = []
    decode_tokens = []  # per step: requests that sampled a token outside prefill (one token each, no spec decode)
    first_token_step = {}
    connector_evictions = []
    reset_preempted = []

    def on_step(info, scheduler):
        usage.append(info.kv_usage)
        decode_tokens.append(len(info.decode_req_ids))
        if name == "shared_prefix" and not connector_evictions:
            # as a KV connector does between steps: evict cached blocks by id, outside
            # get_new_blocks, some of them still in use
            before = tb.cached_block_pairs(scheduler)
            ids = sorted({bid for _, bid in before})[:5]
            if len(ids) == 5:
                scheduler.kv_cache_manager.evict_blocks(set(ids))
                connector_evictions.append(len(before - tb.cached_block_pairs(scheduler)))
        if name == "prefix_reset" and len(usage) == 6:
            # as `POST /reset_prefix_cache?reset_running_requests=true` does: vLLM preempts
            # every running request, not for want of KV blocks
            reset_preempted.append(len(scheduler.running))
            scheduler.reset_prefix_cache(reset_running_requests=True)
        # vLLM's own request state: the step after which a request first has an output token
        for rid, req in scheduler.requests.items():
            if req.num_output_tokens and rid not in first_token_step:
                first_token_step[rid] = len(usage) - 1  # the row of this step in the session files
        for rid in info.finished:  # freed in this step: its first token came now at the latest
            first_token_step.setdefault(rid, len(usage) - 1)

    result = tb.run(sched, reqs, on_step=on_step, add_at=add_at)
    if name == "traced" and os.environ.get("PM_TEST_OTLP_ENDPOINT"):
        flush()
    stats = [s.stats for s in result.steps if s.stats is not None]
    truth = {
        "steps": result.num_steps,
        "traces": traces,
        "prefill_tokens": [s.prefill_tokens for s in result.steps],
        "preemptions": {r.request_id: r.num_preemptions for r in result.finished_requests},
        "kv_usage": usage,
        "decode_tokens": decode_tokens,
        # prefills and recomputations that ended in a sampled token: each gives one output token
        "prefill_done": sum(len(s.prefill_done_req_ids) for s in result.steps),
        "output_tokens": sum(r.num_output_tokens for r in result.finished_requests),
        "total_blocks": sched.kv_cache_manager.block_pool.num_gpu_blocks - 1,
        "num_preemptions": result.num_preemptions,
        "preempted_events": result.preempted_events,
        "preempted_step_ids": result.preempted_step_ids,
        "finished": result.finished,
        "first_token_step": first_token_step,
        "evicted_pairs": result.evicted_pairs + sum(connector_evictions),
        "connector_evictions": sum(connector_evictions),
        "reset_preempted": sum(reset_preempted),
        "kv_removed_events": result.kv_removed_events,
        "prefix_hits": result.prefix_hits,
        # tokens of cached blocks that preempted requests found again when they resumed
        "preempted_prefix_hits": sum(s.preempted_prefix_hits for s in result.steps),
        "block_size": sched.cache_config.block_size,
        "mixed_steps": result.mixed_steps,
        "scheduler_stats_steps": len(stats),
        # vLLM's KVCacheMetricsCollector (sample rate 1.0 where the workload turns it on): one
        # event per block taken off the free queue, cached or not, in order
        "vllm_block_lifetimes": [e.lifetime_seconds for s in stats
                                 for e in (getattr(s, "kv_cache_eviction_events", None) or ())],
        "planted": PLANTED,
        # what the probe still holds per request once every request has finished
        "probe_request_state_left": _probe_request_state(),
    }
    with open(out, "w") as f:
        json.dump(truth, f)


def _vllm_tracing(sched, requests, endpoint):
    """vLLM's own request tracing, as `--otlp-traces-endpoint` turns it on in LLMEngine: its
    tracer (OTLP/HTTP to endpoint) and an OutputProcessor with tracing enabled that is fed every
    EngineCoreOutputs the scheduler returns, so vLLM itself emits its llm_request span per finished
    request, from the trace headers the scheduler hands back. Returns a function that flushes it."""
    os.environ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf"
    from opentelemetry import trace
    from vllm.tracing import init_tracer
    from vllm.v1.engine import EngineCoreRequest
    from vllm.v1.engine.output_processor import OutputProcessor
    from vllm.v1.metrics.stats import IterationStats

    init_tracer("vllm.llm_engine", endpoint + "/v1/traces")
    processor = OutputProcessor(None, log_stats=True, tracing_enabled=True)
    for r in requests:  # as LLMEngine.add_request: the output processor knows a request before EngineCore
        processor.add_request(EngineCoreRequest(
            request_id=r.request_id, prompt_token_ids=r.prompt_token_ids, mm_features=None,
            sampling_params=r.sampling_params, pooling_params=None, arrival_time=r.arrival_time,
            lora_request=None, cache_salt=None, data_parallel_rank=None, trace_headers=r.trace_headers,
            external_req_id=r.request_id), None)
    update = sched.update_from_output

    def update_from_output(scheduler_output, model_runner_output):
        outputs = update(scheduler_output, model_runner_output)
        for outs in outputs.values():  # as LLMEngine.step()
            processor.process_outputs(outs.outputs, engine_core_timestamp=outs.timestamp,
                                      iteration_stats=IterationStats())
        return outputs
    sched.update_from_output = update_from_output
    return lambda: trace.get_tracer_provider().force_flush()


def _probe_request_state():
    try:
        from profilemate_probe.targets import _state, scheduler
    except ImportError:
        return None
    return {"live": len(_state.LIVE), "preempted": len(_state.PREEMPTED),
            "awaiting_first_token": len(scheduler._AWAITING_FIRST),
            "recomputing": len(getattr(scheduler, "_RECOMPUTING", ()))}


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
