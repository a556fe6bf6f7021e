"""Write two tiny models (config.json + a local WordLevel tokenizer) for `--load-format dummy`.

dense: LlamaForCausalLM, 4 layers, hidden 512.   moe: MixtralForCausalLM, 4 layers, 8 experts, top-2.
Larger: llama-1b (TinyLlama shapes), mixtral-2b (16 layers, hidden 2048, 8 experts, top-2),
llama-8b (Llama-3-8B shapes) and mixtral-8l (Mixtral-8x7B shapes, 8 of 32 layers).
No weights: vLLM fills them with random values. Usage: python make_models.py OUT_DIR
"""
import json, os, sys

VOCAB = 1024


def tokenizer(d):
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for i in range(3, VOCAB):
        vocab[f"w{i}"] = i
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    tok.save(os.path.join(d, "tokenizer.json"))
    json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
               "unk_token": "<unk>", "model_max_length": 2048, "add_bos_token": False},
              open(os.path.join(d, "tokenizer_config.json"), "w"), indent=1)
    json.dump({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
              open(os.path.join(d, "special_tokens_map.json"), "w"), indent=1)


COMMON = dict(vocab_size=VOCAB, hidden_size=512, num_hidden_layers=4, num_attention_heads=8,
              num_key_value_heads=8, head_dim=64, max_position_embeddings=2048, rms_norm_eps=1e-5,
              rope_theta=10000.0, hidden_act="silu", tie_word_embeddings=False, torch_dtype="bfloat16",
              bos_token_id=1, eos_token_id=2, initializer_range=0.02, use_cache=True)

MODELS = {
    # a 1B-class Llama (TinyLlama-1.1B shapes) with dummy weights: GPU time per step is no
    # longer tiny, so the probe's per-step CPU cost is measured against a realistic step
    "llama-1b": dict(COMMON, architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=2048,
                     num_hidden_layers=22, num_attention_heads=32, num_key_value_heads=4, head_dim=64,
                     intermediate_size=5632, attention_bias=False, mlp_bias=False),
    # a ~2B-parameter Mixtral (dummy weights): MoE layers with a realistic share of GPU time
    "mixtral-2b": dict(COMMON, architectures=["MixtralForCausalLM"], model_type="mixtral", hidden_size=2048,
                       num_hidden_layers=16, num_attention_heads=16, num_key_value_heads=4, head_dim=128,
                       intermediate_size=2048, num_local_experts=8, num_experts_per_tok=2,
                       router_aux_loss_coef=0.0, output_router_logits=False, sliding_window=None),
    # Llama-3-8B shapes (dummy weights, the small vocabulary of the local tokenizer): a step
    # bound by the GPU, as in production, where the probe's CPU cost per step is small beside it
    "llama-8b": dict(COMMON, architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=4096,
                     num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                     intermediate_size=14336, rope_theta=500000.0, attention_bias=False, mlp_bias=False),
    # Mixtral-8x7B shapes, 8 of its 32 layers (11.6 B parameters, 23 GB in bf16: three servers fit
    # on one H200): each decode step reads ~22 GB of expert weights, so the MoE server is
    # GPU-bound as in production, unlike mixtral-2b
    "mixtral-8l": dict(COMMON, architectures=["MixtralForCausalLM"], model_type="mixtral", hidden_size=4096,
                       num_hidden_layers=8, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                       intermediate_size=14336, num_local_experts=8, num_experts_per_tok=2, rope_theta=1e6,
                       router_aux_loss_coef=0.0, output_router_logits=False, sliding_window=None),
    # Qwen3-30B-A3B shapes (128 experts, top-8, no shared expert), 4 of its 48 layers: a window's
    # co-selection of one layer is up to 8,128 pairs, past the 64 KiB strings of spool minor 3
    "qwen3-moe-4l": dict(COMMON, architectures=["Qwen3MoeForCausalLM"], model_type="qwen3_moe", hidden_size=2048,
                         num_hidden_layers=4, num_attention_heads=32, num_key_value_heads=4, head_dim=128,
                         intermediate_size=6144, moe_intermediate_size=768, num_experts=128, num_experts_per_tok=8,
                         decoder_sparse_step=1, mlp_only_layers=[], norm_topk_prob=True, rope_theta=1e6,
                         attention_bias=False, router_aux_loss_coef=0.0, output_router_logits=False),
    "tiny-llama": dict(COMMON, architectures=["LlamaForCausalLM"], model_type="llama",
                       intermediate_size=1408, attention_bias=False, mlp_bias=False),
    "tiny-mixtral": dict(COMMON, architectures=["MixtralForCausalLM"], model_type="mixtral",
                         intermediate_size=512, num_local_experts=8, num_experts_per_tok=2,
                         router_aux_loss_coef=0.0, output_router_logits=False, sliding_window=None),
}

def mixtral_weights(d, cfg, seed=0):
    """Random weights under the HF checkpoint names vLLM's Mixtral loader maps (experts.N.w1/w2/w3).
    `--load-format dummy` fills every tensor from the same seed, so all layers get the same gate
    and route every token alike; with these, each layer routes differently, as a real model does."""
    import torch
    from safetensors.torch import save_file
    g = torch.Generator().manual_seed(seed)
    H, I, V, E = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"], cfg["num_local_experts"]
    KV = cfg["num_key_value_heads"] * cfg["head_dim"]
    w = lambda *shape: (torch.randn(*shape, generator=g) * 0.02).to(torch.bfloat16)
    t = {"model.embed_tokens.weight": w(V, H), "lm_head.weight": w(V, H),
         "model.norm.weight": torch.ones(H, dtype=torch.bfloat16)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        t.update({p + "self_attn.q_proj.weight": w(H, H), p + "self_attn.k_proj.weight": w(KV, H),
                  p + "self_attn.v_proj.weight": w(KV, H), p + "self_attn.o_proj.weight": w(H, H),
                  p + "input_layernorm.weight": torch.ones(H, dtype=torch.bfloat16),
                  p + "post_attention_layernorm.weight": torch.ones(H, dtype=torch.bfloat16),
                  p + "block_sparse_moe.gate.weight": (torch.randn(E, H, generator=g)).to(torch.bfloat16)})
        for j in range(E):
            q = p + "block_sparse_moe.experts.%d." % j
            t.update({q + "w1.weight": w(I, H), q + "w2.weight": w(H, I), q + "w3.weight": w(I, H)})
    save_file(t, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})


if __name__ == "__main__":
    out = sys.argv[1]
    for name, cfg in MODELS.items():
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        json.dump(cfg, open(os.path.join(d, "config.json"), "w"), indent=1)
        json.dump({"bos_token_id": 1, "eos_token_id": 2}, open(os.path.join(d, "generation_config.json"), "w"))
        tokenizer(d)
        print("wrote", d)
    # the MoE model once more, with random weights of its own (served with --load-format safetensors)
    src, d = os.path.join(out, "tiny-mixtral"), os.path.join(out, "tiny-mixtral-rw")
    try:
        import shutil
        shutil.copytree(src, d, dirs_exist_ok=True)
        mixtral_weights(d, MODELS["tiny-mixtral"])
        print("wrote", d)
    except Exception as exc:  # the dummy-weight model still serves
        shutil.rmtree(d, ignore_errors=True)
        print("no random-weight MoE model: %s" % exc)
