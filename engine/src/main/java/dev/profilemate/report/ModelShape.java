package dev.profilemate.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Optional;

/**
 * A decoder-only transformer's size from its config (metadata.json engine.model_config): weight
 * counts, FLOPs per token and KV-cache bytes per token. Assumes a gated MLP (SwiGLU: three
 * matrices), every layer MoE when the config names experts, untied embeddings.
 */
record ModelShape(
    long hiddenSize,
    long layers,
    long intermediateSize,
    long heads,
    long kvHeads,
    long headDim,
    long vocabSize,
    long experts,
    long expertsPerToken,
    long expertIntermediateSize) {

  static Optional<ModelShape> of(JsonNode c) {
    long h = c.path("hidden_size").asLong(0);
    long l = c.path("num_hidden_layers").asLong(0);
    long heads = c.path("num_attention_heads").asLong(0);
    long inter = c.path("intermediate_size").asLong(0);
    long vocab = c.path("vocab_size").asLong(0);
    if (h <= 0 || l <= 0 || heads <= 0 || vocab <= 0) {
      return Optional.empty();
    }
    long kv = c.path("num_key_value_heads").asLong(heads);
    long dim = c.path("head_dim").asLong(h / heads);
    long e = Math.max(c.path("num_local_experts").asLong(0), c.path("num_experts").asLong(0));
    long k = c.path("num_experts_per_tok").asLong(e > 0 ? 1 : 0);
    long moeInter = c.path("moe_intermediate_size").asLong(inter);
    if (e == 0 && inter <= 0) {
      return Optional.empty();
    }
    return Optional.of(new ModelShape(h, l, inter, heads, kv, dim, vocab, e, k, moeInter));
  }

  boolean moe() {
    return experts > 0;
  }

  /** q, k, v and o projections of one layer. */
  double attentionWeights() {
    return (double) hiddenSize * headDim * (2.0 * heads + 2.0 * kvHeads);
  }

  /** One expert's (or the dense) gated MLP. */
  double mlpWeights() {
    return 3.0 * hiddenSize * (moe() ? expertIntermediateSize : intermediateSize);
  }

  double routerWeights() {
    return moe() ? (double) hiddenSize * experts : 0;
  }

  /** Weights one token multiplies through, all layers, without the LM head. */
  double activeWeightsPerToken() {
    return layers * (attentionWeights() + (moe() ? expertsPerToken : 1) * mlpWeights() + routerWeights());
  }

  /** Every weight, all experts, embeddings and LM head. */
  double totalWeights() {
    return layers * (attentionWeights() + (moe() ? experts : 1) * mlpWeights() + routerWeights())
        + 2.0 * vocabSize * hiddenSize;
  }

  /** Linear-layer FLOPs of one step: 2 per weight per token, plus the LM head once per sequence. */
  double stepFlops(long tokens, long sequences) {
    return 2.0 * activeWeightsPerToken() * tokens + 2.0 * hiddenSize * vocabSize * sequences;
  }

  /**
   * Weight bytes read in one step. Dense: every weight once. MoE: attention and router, plus the
   * experts a step of T tokens is expected to touch per layer, E·(1 − (1 − k/E)^T), as if routing were uniform.
   */
  double stepWeightBytes(long tokens, double bytesPerWeight) {
    double lmHead = (double) vocabSize * hiddenSize;
    if (!moe()) {
      return (layers * (attentionWeights() + mlpWeights()) + lmHead) * bytesPerWeight;
    }
    double touched = experts * (1 - Math.pow(1 - (double) expertsPerToken / experts, Math.max(1, tokens)));
    return (layers * (attentionWeights() + routerWeights() + touched * mlpWeights()) + lmHead) * bytesPerWeight;
  }

  /** K and V of one token across all layers. */
  double kvBytesPerToken(double bytesPerElement) {
    return 2.0 * layers * kvHeads * headDim * bytesPerElement;
  }

  /** Bytes per element of a vLLM dtype string ("torch.bfloat16", "float16", "fp8_e4m3", "auto" → fallback). */
  static double bytesOf(String dtype, double fallback) {
    String d = dtype == null ? "" : dtype.toLowerCase(Locale.ROOT);
    if (d.contains("fp8") || d.contains("float8") || d.contains("int8")) {
      return 1;
    }
    if (d.contains("16")) {
      return 2;
    }
    if (d.contains("float32") || d.equals("fp32") || d.equals("float") || d.equals("torch.float")) {
      return 4;
    }
    return fallback;
  }
}
