"""Drives the GPU-side probe hooks with REAL vLLM objects on a machine without a GPU.

- CUDA graphs: vLLM's own CUDAGraphWrapper.__call__ runs under a real ForwardContext with
  real BatchDescriptor / CUDAGraphMode values. The captured graph itself is a stand-in
  (StandInGraph, no GPU here), so replays take vLLM's real replay branch.
- Forward passes: real SchedulerOutputs from the real scheduler (test bed) pass through the
  V1 runner's execute_model/_model_forward hooks; the model call is a stand-in.
- MoE: vLLM's real FusedMoERouter.select_experts (custom routing function, CPU) under the
  hook; the counter runs its CPU path.
Writes the ground truth JSON for the test. Usage: drive_gpu_targets.py OUT.json
"""
import json
import sys

import torch
import vllm_testbed as tb
from vllm.compilation.cuda_graph import CUDAGraphEntry, CUDAGraphOptions, CUDAGraphWrapper
from vllm.config.compilation import CUDAGraphMode
from vllm.forward_context import BatchDescriptor, ForwardContext, override_forward_context
from vllm.model_executor.layers.fused_moe.router.router_factory import create_fused_moe_router
from vllm.v1.worker import gpu_model_runner

import profilemate_probe
from profilemate_probe.targets import forward_pass, moe


def _fc(mode, bd):
    """A real ForwardContext; older vLLM also wants virtual_engine."""
    import inspect
    kwargs = dict(no_compile_layers={}, attn_metadata={}, slot_mapping={}, cudagraph_runtime_mode=mode,
                  batch_descriptor=bd)
    params = inspect.signature(ForwardContext).parameters
    if "virtual_engine" in params:
        kwargs["virtual_engine"] = 0
    return ForwardContext(**{k: v for k, v in kwargs.items() if k in params})


class StandInGraph:
    """Stands in for torch.cuda.CUDAGraph: there is no GPU on this machine."""

    def replay(self):
        pass


def graphs():
    w = object.__new__(CUDAGraphWrapper)  # skips the CUDA graph pool that needs a GPU
    w.runnable = lambda x: x
    w.runtime_mode = CUDAGraphMode.FULL
    w.cudagraph_options = CUDAGraphOptions()
    w.is_debugging_mode = False
    descs = [BatchDescriptor(num_tokens=8, num_reqs=8, uniform=True),
             BatchDescriptor(num_tokens=16, num_reqs=None, uniform=False, has_lora=True)]
    w.concrete_cudagraph_entries = {d: CUDAGraphEntry(batch_descriptor=d, cudagraph=StandInGraph(), output=1)
                                    for d in descs}
    plan = [0, 0, 1, 0, 1, 1, 0]
    for i in plan:
        ctx = _fc(CUDAGraphMode.FULL, descs[i])
        with override_forward_context(ctx):
            w(torch.zeros(1))
    # a piece that is not the first of a PIECEWISE model: never counted
    piece = object.__new__(CUDAGraphWrapper)
    piece.__dict__.update(w.__dict__)
    piece.cudagraph_options = CUDAGraphOptions(debug_log_enable=False)
    ctx = _fc(CUDAGraphMode.FULL, descs[0])
    with override_forward_context(ctx):
        piece(torch.zeros(1))
    # eager step (mode NONE): no replay
    ctx = _fc(CUDAGraphMode.NONE, descs[0])
    with override_forward_context(ctx):
        w(torch.zeros(1))
    return {"replays": {"8": plan.count(0), "16": plan.count(1)}}


def forward_steps():
    """Every step of the chunked-prefill workload through the V1 runner hooks."""
    prof = profilemate_probe.probe().profilers["forward_pass"]
    execute = forward_pass._execute_model_v1(lambda self, so: self._model_forward(), prof)
    model_forward = forward_pass._model_forward(lambda self: None, prof)

    class StandInRunner:  # only the two methods the hooks wrap
        def _model_forward(self):
            return model_forward(self)

    runner = StandInRunner()
    phases = []

    sched, reqs, add_at = tb.chunked_prefill_workload()

    def on_step(info, scheduler):
        pre = bool(info.new_req_ids or info.resumed_req_ids or info.prefill_chunk_req_ids or info.prefill_done_req_ids)
        dec = bool(info.decode_req_ids)
        phases.append([("mixed" if pre and dec else "prefill" if pre else "decode"),
                       info.num_scheduled_reqs, info.num_scheduled_tokens])

    original_schedule = sched.schedule

    def schedule_and_execute(*a, **k):
        so = original_schedule(*a, **k)
        execute(runner, so)
        return so

    sched.schedule = schedule_and_execute
    tb.run(sched, reqs, on_step=on_step, add_at=add_at)
    forward_pass.timer(prof).flush()
    return phases


def moe_routing():
    def route(hidden_states, gating_output, topk, renormalize):
        w, ids = torch.topk(torch.softmax(gating_output, -1), topk)
        return w, ids.to(torch.int32)

    torch.manual_seed(0)
    routers = []
    for layer in range(3):
        r = create_fused_moe_router(top_k=2, global_num_experts=8, renormalize=True, custom_routing_function=route)
        r._profilemate_layer = layer  # what the MoERunner.__init__ hook sets from the layer name
        routers.append(r)
    moe._state.update(layers=3, experts=8, top_k=2)
    expected = [[0] * 8 for _ in range(3)]
    routed = []   # per real step, per layer: the real rows' expert ids and weights as the router gave them
    with torch.inference_mode():  # vLLM's dummy/profile run before serving: reset at the first real step
        for r in routers:
            r.select_experts(torch.randn(4, 16), torch.randn(4, 8))
    # real tokens per step; the router also sees 2 padding rows, as in a padded CUDA graph, which
    # must not count (repeated counts: the mask is only rewritten when the count changes)
    for n in (6, 6, 7, 7, 9):
        # vLLM's workers run the model under inference mode; the read-back at exit runs outside it
        with torch.inference_mode():
            moe._on_step(n)  # what forward_pass calls per real step: masks padding, reads back
            for layer, r in enumerate(routers):
                w, ids = r.select_experts(torch.randn(n + 2, 16), torch.randn(n + 2, 8))
                for e in ids[:n].flatten().tolist():
                    expected[layer][e] += 1
                if layer == 0:
                    routed.append([])
                routed[-1].append([ids[:n].tolist(), w[:n].float().tolist()])
    moe.flush()
    return expected, routed


def main(out):
    counts, routed = moe_routing()
    truth = {"graphs": graphs(), "phases": forward_steps(), "moe_counts": counts, "moe_routed": routed,
             "runner_targets": [gpu_model_runner.GPUModelRunner.execute_model.__qualname__]}
    profilemate_probe.probe().close()
    with open(out, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main(sys.argv[1])
