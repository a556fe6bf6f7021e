"""Drives vLLM's REAL CPU router (CPURouter: plain softmax top-k, and grouped top-k with the
DeepSeek-V3 correction bias) at today's MoE shapes with the probe attached, and writes what
the router returned as ground truth. Usage: drive_moe_shapes.py SHAPE OUT.json

- Routing: vLLM's CPURouter.select_experts (FusedMoERouter.select_experts, the hooked method)
  on random logits; every step also routes 3 padding rows, as a padded CUDA graph does, which
  must not count.
- Layers: the MoERunner.__init__ hook runs on a stand-in runner (StandInRunner: a real router,
  layer name, shared-expert module and quant method; building vLLM's MoERunner itself needs a
  CPU MoE kernel backend that the PyPI wheel lacks). The model config is the real Hugging Face
  config class of each model family, so dense layers and shared experts come from it.
"""
import json
import sys

import torch
import transformers
from vllm.model_executor.layers.fused_moe.router.cpu_router import CPURouter

import profilemate_probe
from profilemate_probe.targets import moe

# name: (HF config, routed experts, top_k, grouped (groups, kept) or None, scoring, shared, dense layers, layers)
SHAPES = {
    "mixtral": (lambda: transformers.MixtralConfig(num_hidden_layers=2, num_local_experts=8, num_experts_per_tok=2),
                8, 2, None, "softmax", 0, 0, 2),
    "deepseek-v2-lite": (lambda: transformers.DeepseekV2Config(
        num_hidden_layers=3, n_routed_experts=64, num_experts_per_tok=6, n_group=1, topk_group=1,
        n_shared_experts=2, first_k_dense_replace=1), 64, 6, (1, 1), "softmax", 2, 1, 3),
    "qwen3-moe": (lambda: transformers.Qwen3MoeConfig(num_hidden_layers=2, num_experts=128, num_experts_per_tok=8),
                  128, 8, None, "softmax", 0, 0, 2),
    "deepseek-v3": (lambda: transformers.DeepseekV3Config(
        num_hidden_layers=5, n_routed_experts=256, num_experts_per_tok=8, n_group=8, topk_group=4,
        n_shared_experts=1, first_k_dense_replace=3), 256, 8, (8, 4), "sigmoid", 1, 3, 5),
    "512x10": (lambda: transformers.Qwen3MoeConfig(num_hidden_layers=2, num_experts=512, num_experts_per_tok=10),
               512, 10, None, "softmax", 1, 0, 2),
}
TOKENS = (700, 1, 900, 33)   # real tokens per step: prefill-sized and decode-sized
PADDING = 3


class StandInQuant:
    experts_cls = type("TritonExperts", (), {})


class StandInRunner:
    """What the MoERunner.__init__ hook reads of vLLM's runner (see the module docstring)."""

    def __init__(self, layer, router, shared):
        self.layer_name = "model.layers.%d.mlp.experts" % layer
        self.router = router
        self.shared_experts = torch.nn.Identity() if shared else None
        self.routed_experts = type("RoutedExperts", (), {"quant_method": StandInQuant()})()


def main(shape, out):
    make_cfg, experts, top_k, grouped, scoring, shared, dense, layers = SHAPES[shape]
    cfg = make_cfg()
    moe._model_config = lambda: cfg  # what get_current_vllm_config() gives during model construction
    prof = moe._state["prof"]
    assert prof is not None and prof.enabled, "the probe's MoE profiler is not active"
    init = moe._runner_init(lambda self, *a, **k: None, prof)
    torch.manual_seed(1)
    routers = {}
    for layer in range(dense, layers):
        kw = dict(top_k=top_k, global_num_experts=experts, renormalize=True, scoring_func=scoring)
        if grouped:
            kw.update(use_grouped_topk=True, num_expert_group=grouped[0], topk_group=grouped[1])
        if scoring == "sigmoid":
            kw.update(e_score_correction_bias=torch.rand(experts) * 0.1, routed_scaling_factor=2.5)
        router = CPURouter(**kw)
        init(StandInRunner(layer, router, shared))
        routers[layer] = router
    truth = {"layers": {}, "tokens": {}}
    with torch.inference_mode():   # vLLM's profile run before serving: reset at the first real step
        for router in routers.values():
            router.select_experts(torch.randn(4, 8), torch.randn(4, experts))
    for n in TOKENS:
        with torch.inference_mode():
            moe._on_step(n)
            for layer, router in routers.items():
                w, ids = router.select_experts(torch.randn(n + PADDING, 8), torch.randn(n + PADDING, experts))
                assert ids.shape == (n + PADDING, top_k)
                truth["layers"].setdefault(str(layer), []).extend(ids[:n].tolist())
                truth["tokens"][str(layer)] = truth["tokens"].get(str(layer), 0) + n
    moe.flush()
    truth["counter"] = {k: v for k, v in moe._state["counter"].info().items()
                        if k in ("backend", "per_step", "per_step_error", "launches")}
    profilemate_probe.probe().close()
    truth.update(shape=shape, experts=experts, top_k=top_k, grouped=grouped, shared=shared, dense=dense, steps=len(TOKENS),
                 num_hidden_layers=layers)
    with open(out, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
