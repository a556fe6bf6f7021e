"""Runs one of the demo's latency variants (demo/run_demo.py VARIANTS) on the real vLLM scheduler
under whatever probe is active, and writes vLLM's side of each request's times as JSON, read
with this process's own monotonic clock around vLLM's calls: when add_request was called, when
the update_from_output that first left the request holding an output token returned, when the
one that finished it returned, and its output tokens. Usage: drive_latency.py VARIANT OUT.json"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "demo"))
import run_demo  # noqa: E402


def main(name, out):
    truth = {}
    requests = {}

    def instrument(sched):
        add, update = sched.add_request, sched.update_from_output

        def add_request(req):
            t = time.monotonic_ns()
            requests[req.request_id] = req
            truth[req.request_id] = {"arrival_ns": t}
            return add(req)

        def update_from_output(so, out):
            result = update(so, out)
            t = time.monotonic_ns()
            for rid in so.num_scheduled_tokens:
                req, row = requests[rid], truth[rid]
                if req.num_output_tokens and "first_token_ns" not in row:
                    row["first_token_ns"] = t
                if req.is_finished() and "finished_ns" not in row:
                    row["finished_ns"] = t
                    row["output_tokens"] = req.num_output_tokens
                    row["preemptions"] = req.num_preemptions
            return result

        sched.add_request, sched.update_from_output = add_request, update_from_output

    run_demo.run_variant(name, instrument)
    with open(out, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
