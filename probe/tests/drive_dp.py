"""One data-parallel EngineCore of test_dp_balance.py: vLLM's real V1 scheduler on the CPU, with a
load of its own.

Run as its own process with the probe attached the normal way (PYTHONPATH sitecustomize), one per DP
rank, both writing into one session (PROFILEMATE_SESSION_DIR). vLLM's EngineCore writes its
parallel_identity from its ParallelConfig when it is built; this test bed drives the Scheduler
without an EngineCore, so the probe's own function makes the record from a real ParallelConfig of
this DP rank, before the first step, as EngineCore.__init__ does. Then the rank's requests run through
the real scheduler (vllm_testbed.run). Prints one JSON line: the tokens vLLM scheduled per step
(SchedulerOutput.total_num_scheduled_tokens), its running/waiting queue lengths, the request ids.
"""
import json
import os
import sys
import time

import vllm_testbed as tb
from vllm.config import ParallelConfig


def main():
    dp_rank, dp_size = int(os.environ["PM_DP_RANK"]), int(os.environ["PM_DP_SIZE"])
    n, prompt, max_tokens = (int(x) for x in os.environ["PM_LOAD"].split(","))
    import profilemate_probe
    from profilemate_probe.targets import parallel
    probe = profilemate_probe.probe()
    config = ParallelConfig(data_parallel_size=dp_size, data_parallel_rank=dp_rank)
    probe.emit("parallel_identity", time.monotonic_ns(), *parallel.identity_from_config(config))
    sched = tb.make_scheduler(num_blocks=2048, max_num_seqs=8, max_num_batched_tokens=256)
    reqs = tb.make_requests(n, prompt, max_tokens, scheduler=sched, id_prefix="dp%d-" % dp_rank)
    steps = []

    def on_step(info, scheduler):
        steps.append([info.num_scheduled_tokens, info.num_running, info.num_waiting])
        time.sleep(0.002)  # a model step's worth of time, so both ranks' steps interleave in the session

    result = tb.run(sched, reqs, on_step=on_step)
    truth = {"pid": os.getpid(), "dp_rank": dp_rank, "steps": steps,
             "finished": sorted(r.request_id for r in result.finished_requests)}
    print("TRUTH " + json.dumps(truth), flush=True)


if __name__ == "__main__":
    sys.exit(main())
