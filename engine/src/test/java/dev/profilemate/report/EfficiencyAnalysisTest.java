package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.profilemate.common.Json;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EfficiencyAnalysisTest {

  static ObjectNode llama2_7b() {
    ObjectNode c = Json.mapper().createObjectNode();
    c.put("hidden_size", 4096).put("num_hidden_layers", 32).put("intermediate_size", 11008)
        .put("num_attention_heads", 32).put("num_key_value_heads", 32).put("vocab_size", 32000);
    return c;
  }

  @Test
  void llama2_7bHasItsPublishedParameterCount() {
    ModelShape m = ModelShape.of(llama2_7b()).orElseThrow();
    assertThat(m.totalWeights() / 1e9).isCloseTo(6.738, within(0.01));
    assertThat(m.kvBytesPerToken(2)).isEqualTo(2.0 * 32 * 32 * 128 * 2); // 512 KiB
  }

  @Test
  void mixtralCountsAllExpertsAndActivatesTwo() {
    ObjectNode c = Json.mapper().createObjectNode();
    c.put("hidden_size", 4096).put("num_hidden_layers", 32).put("intermediate_size", 14336)
        .put("num_attention_heads", 32).put("num_key_value_heads", 8).put("vocab_size", 32000)
        .put("num_local_experts", 8).put("num_experts_per_tok", 2);
    ModelShape m = ModelShape.of(c).orElseThrow();
    assertThat(m.totalWeights() / 1e9).isCloseTo(46.7, within(0.1));
    assertThat((m.activeWeightsPerToken() + 2.0 * 32000 * 4096) / 1e9).isCloseTo(12.9, within(0.1));
    // one token touches 2 experts per layer; many tokens touch all 8
    double one = m.stepWeightBytes(1, 2);
    double many = m.stepWeightBytes(4096, 2);
    assertThat(many / 2 / 1e9).isCloseTo(46.7 - 0.131, within(0.2));
    assertThat(one).isLessThan(many / 2);
  }

  @Test
  void incompleteConfigsGiveNoShape() {
    assertThat(ModelShape.of(Json.mapper().createObjectNode().put("hidden_size", 64))).isEmpty();
  }

  @Test
  void mfuAndMbuFollowTheStatedFormula(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    TestSessions.editMetadata(s, m -> {
      ObjectNode e = (ObjectNode) m.get("engine");
      e.set("model_config", llama2_7b());
      e.put("gpu_name", "NVIDIA H100 80GB HBM3").put("dtype", "torch.bfloat16");
    });
    EfficiencyAnalysis e = EfficiencyAnalysis.of(SessionData.read(s), null);
    assertThat(e.status().recorded()).isTrue();
    assertThat(e.gpu().name()).isEqualTo("H100 SXM");
    ModelShape m = e.model();
    // golden decode steps: (batch 2, 2 tokens, 5 ms), (2, 2, 7 ms), (1, 1, 8 ms); KV blocks in use 5, 10, 9
    double flops = m.stepFlops(2, 2) + m.stepFlops(2, 2) + m.stepFlops(1, 1);
    double weights = 3 * (m.totalWeights() - 32000.0 * 4096) * 2; // the embedding table is only indexed
    double kv = (5 * 16 + 2 + 10 * 16 + 2 + 9 * 16 + 1) * m.kvBytesPerToken(2);
    EfficiencyAnalysis.PhaseEfficiency decode = e.phases().stream().filter(p -> p.phase().equals("decode"))
        .findFirst().orElseThrow();
    assertThat(decode.steps()).isEqualTo(3);
    assertThat(decode.mfuPct()).isCloseTo(100 * flops / 0.020 / 989.4e12, within(1e-6));
    assertThat(decode.mbuPct()).isCloseTo(100 * (weights + kv) / 0.020 / 3350e9, within(1e-6));
    assertThat(e.phases()).extracting(EfficiencyAnalysis.PhaseEfficiency::phase)
        .containsExactly("prefill", "decode", "mixed", "all");
  }

  @Test
  void gpuOptionOverridesMetadataAndUnknownGpusSayWhy(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    TestSessions.editMetadata(s, m -> ((ObjectNode) m.get("engine")).set("model_config", llama2_7b()));
    SessionData d = SessionData.read(s);
    assertThat(EfficiencyAnalysis.of(d, null).status().reason()).contains("--gpu").contains("H100 SXM");
    assertThat(EfficiencyAnalysis.of(d, "a100-80gb").gpu().name()).isEqualTo("A100 80GB");
    assertThat(EfficiencyAnalysis.of(d, "L40S").status().recorded()).isTrue();
  }

  /** A GPU the catalogue lacks: unknown until a --gpu-peaks file describes it, then its peaks are used. */
  @Test
  void aGpuPeaksFileDescribesAGpuTheCatalogueLacks(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp.resolve("s"));
    TestSessions.editMetadata(s, m -> {
      ((ObjectNode) m.get("engine")).set("model_config", llama2_7b());
      ((ObjectNode) m.get("engine")).put("gpu_name", "NVIDIA RTX PRO 6000 Blackwell");
    });
    SessionData d = SessionData.read(s);
    assertThat(EfficiencyAnalysis.of(d, null).status().recorded()).isFalse();
    assertThat(EfficiencyAnalysis.of(d, null).status().reason()).contains("--gpu-peaks FILE");
    Path f = tmp.resolve("peaks.json");
    java.nio.file.Files.writeString(f, "{\"gpus\": [{\"name\": \"RTX PRO 6000\", \"patterns\": [\"rtx pro 6000\"], "
        + "\"bf16_tflops\": 500, \"memory_bandwidth_gbps\": 1792}]}");
    EfficiencyAnalysis e = EfficiencyAnalysis.of(d, null, dev.profilemate.common.GpuCatalogue.withFile(f));
    assertThat(e.status().recorded()).isTrue();
    assertThat(e.gpu().name()).isEqualTo("RTX PRO 6000");
    EfficiencyAnalysis.PhaseEfficiency h = e.phases().get(e.phases().size() - 1);
    EfficiencyAnalysis.PhaseEfficiency ref = EfficiencyAnalysis.of(d, "H100 SXM").phases().get(e.phases().size() - 1);
    // same work over the same time: utilisation scales with the peak alone
    assertThat(h.mfuPct()).isCloseTo(ref.mfuPct() * 989.4 / 500, within(1e-6));
    assertThat(h.mbuPct()).isCloseTo(ref.mbuPct() * 3350 / 1792, within(1e-6));
  }

  @ParameterizedTest
  @CsvSource({"torch.bfloat16, 2", "float16, 2", "torch.float32, 4", "fp8_e4m3, 1", "auto, 2", "'', 2"})
  void dtypeBytes(String dtype, double bytes) {
    assertThat(ModelShape.bytesOf(dtype, 2)).isEqualTo(bytes);
  }
}
