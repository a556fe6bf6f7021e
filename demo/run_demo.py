"""The embedded default workload behind `profilemate demo`.

Runs vLLM's REAL V1 Scheduler, KV cache manager and block pool on the CPU (installed from
PyPI; no GPU, no weights) with the ProfileMate probe attached the normal way (PYTHONPATH, or
the installed wheel's vLLM plugin),
on a mixed workload that exercises every scheduler-side file: chat-style requests sharing
system prompts (prefix-cache hits, then evictions), long documents split into prefill
chunks beside running decodes, and a burst that overflows the KV cache (preemptions).

The model is simulated: a step "takes" 1 ms + 4 µs per scheduled token of host sleep, so
queue and step times have realistic shapes. No forward pass, CUDA graph or MoE data is
produced, because there is no GPU here; the report says so.

Usage: python demo/run_demo.py   (with VLLM_PROFILING_DIR set; profilemate demo does it)
"""
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "probe", "tests"))

import vllm_testbed as tb  # noqa: E402


def build(kv_events=True):
    sched = tb.make_scheduler(num_blocks=97, block_size=16, max_num_seqs=12,
                              max_num_batched_tokens=256, max_model_len=2048, kv_events=kv_events)
    rng = random.Random(7)
    prefixes = [tb.make_prefix(128, seed=s) for s in range(4)]
    add_at = {}
    start = 0

    def add(step, reqs):
        add_at.setdefault(step, []).extend(reqs)

    for wave in range(10):  # chat traffic: groups sharing one of four system prompts
        g = wave % 4
        lens = [128 + rng.randint(8, 64) for _ in range(4)]
        outs = [rng.randint(16, 96) for _ in range(4)]
        add(wave * 14, tb.make_requests(4, lens, outs, prefix=prefixes[g], start_id=start,
                                        scheduler=sched, id_prefix="chat-"))
        start += 4
    for i, step in enumerate((5, 33, 61, 95)):  # long documents: chunked prefill
        add(step, tb.make_requests(1, rng.randint(700, 1100), 24, start_id=1000 + i,
                                   scheduler=sched, id_prefix="doc-"))
    add(70, tb.make_requests(10, [rng.randint(40, 120) for _ in range(10)], 160,  # burst
                             start_id=2000, scheduler=sched, id_prefix="burst-"))
    first = add_at.pop(0)
    return sched, first, add_at


# Variants built to have a known answer for the latency decomposition (docs/latency.md): in each,
# one cause dominates p99 by construction.
def build_queue_bound():
    """Many short requests at once, max_num_seqs 4, KV cache and token budget ample: the p99
    request's TTFT is mostly waiting for a free slot (max_num_seqs reached).
    PROFILEMATE_DEMO_MAX_NUM_SEQS sets another max_num_seqs: the same workload with more slots,
    for `profilemate compare` (docs/compare.md)."""
    seqs = int(os.environ.get("PROFILEMATE_DEMO_MAX_NUM_SEQS", "4"))
    sched = tb.make_scheduler(num_blocks=801, block_size=16, max_num_seqs=seqs,
                              max_num_batched_tokens=512, max_model_len=2048)
    reqs = tb.make_requests(40, 48, 24, scheduler=sched, id_prefix="queue-")
    return sched, reqs[:4], {0: reqs[4:]}


def build_prefill_bound():
    """Long prompts arriving one at a time into an idle engine, split into 512-token chunks: each
    TTFT is its own prefill compute."""
    sched = tb.make_scheduler(num_blocks=801, block_size=16, max_num_seqs=8,
                              max_num_batched_tokens=512, max_model_len=4096)
    add_at = {}
    for i in range(12):
        add_at[i * 30] = tb.make_requests(1, 1400 + 40 * i, 16, start_id=i, scheduler=sched, id_prefix="long-")
    first = add_at.pop(0)
    return sched, first, add_at


def build_preemption_bound():
    """More long generations than the KV cache holds (63 usable blocks of 16 tokens; each request
    grows to 17 blocks): vLLM preempts the latest ones for want of blocks, and their inter-token
    latency is mostly being preempted and recomputed."""
    sched = tb.make_scheduler(num_blocks=64, block_size=16, max_num_seqs=16,
                              max_num_batched_tokens=256, max_model_len=2048)
    reqs = tb.make_requests(12, 64, 200, scheduler=sched, id_prefix="grow-")
    return sched, reqs, {}


VARIANTS = {"queue": build_queue_bound, "prefill": build_prefill_bound, "preemption": build_preemption_bound}


def run_variant(name, instrument=None):
    """A variant's model step "takes" 1 ms + 4 µs per scheduled token between schedule() and
    update_from_output(), where vLLM runs the model (the default demo sleeps after the update).
    instrument(scheduler), when given, is called before the run (a test's own clocks)."""
    from vllm.plugins import load_general_plugins
    load_general_plugins()
    sched, first, add_at = VARIANTS[name]()
    if instrument is not None:
        instrument(sched)
    model_output = tb.fake_model_output

    def paced(so, *args, **kwargs):
        time.sleep(0.001 + 4e-6 * so.total_num_scheduled_tokens)
        return model_output(so, *args, **kwargs)

    tb.fake_model_output = paced
    try:
        result = tb.run(sched, first, add_at=add_at)
    finally:
        tb.fake_model_output = model_output
    print("demo %s: %d steps, %d requests finished, %d preemptions"
          % (name, result.num_steps, len(result.finished), result.num_preemptions))
    return result


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--variant":
        run_variant(sys.argv[2])
        return
    # vLLM's own processes load the general plugins before they build their Scheduler
    # (EngineCore.__init__); this one builds it itself, so it does the same. With the wheel
    # installed, that is how the probe attaches here; on PYTHONPATH it attached at `import vllm`.
    from vllm.plugins import load_general_plugins
    load_general_plugins()
    sched, first, add_at = build()

    def pace(info, _scheduler):
        time.sleep(0.001 + 4e-6 * info.num_scheduled_tokens)

    result = tb.run(sched, first, on_step=pace, add_at=add_at)
    s = result.summary()
    print("demo: %d steps, %d requests finished, %d preemptions, %d prefix-cache hit tokens, "
          "%d cached blocks evicted" % (s["steps"], s["finished"], result.num_preemptions,
                                        result.prefix_hits, result.evicted_pairs))


if __name__ == "__main__":
    main()
