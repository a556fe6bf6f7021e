"""The demo's setup with an induced burst between quiet stretches, for the triggered-capture test
(test_capture.py): vLLM's REAL V1 scheduler and KV cache manager on the CPU (as demo/run_demo.py:
97 blocks of 16 tokens, max_num_seqs 12, 256 tokens a step, the model step a 1 ms + 4 us/token
sleep), the probe attached the normal way. Quiet: one short chat request every 8 steps (a few
blocks in use, no preemption). At step BURST_STEP a burst like the demo's, larger, arrives (24
requests of 40-120 prompt tokens and 240 output tokens: far more KV than the cache holds, so vLLM
preempts, dozens of times); afterwards quiet again until step END_STEP.

Usage: python drive_capture_demo.py   (with VLLM_PROFILING_DIR set)
"""
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import vllm_testbed as tb  # noqa: E402

BURST_STEP = 300
END_STEP = 1500


def main():
    from vllm.plugins import load_general_plugins
    load_general_plugins()
    sched = tb.make_scheduler(num_blocks=97, block_size=16, max_num_seqs=12, max_num_batched_tokens=256,
                              max_model_len=2048, kv_events=True)
    rng = random.Random(7)
    add_at = {}
    for i, step in enumerate(range(8, END_STEP, 8)):  # quiet traffic
        add_at.setdefault(step, []).extend(tb.make_requests(1, [rng.randint(40, 80)], 12, start_id=i,
                                                            scheduler=sched, id_prefix="quiet-"))
    add_at.setdefault(BURST_STEP, []).extend(tb.make_requests(  # the induced burst
        24, [rng.randint(40, 120) for _ in range(24)], 240, start_id=2000, scheduler=sched, id_prefix="burst-"))
    first = tb.make_requests(1, [60], 12, start_id=5000, scheduler=sched, id_prefix="quiet-")

    def pace(info, _scheduler):
        time.sleep(0.001 + 4e-6 * info.num_scheduled_tokens)

    result = tb.run(sched, first, on_step=pace, add_at=add_at)
    print("capture demo: %d steps, %d preemptions" % (result.summary()["steps"], result.num_preemptions))


if __name__ == "__main__":
    main()
