package dev.profilemate.kernel.category;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.common.UserDataException;
import dev.profilemate.kernel.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The built-in rules on kernel names seen in real LLM traces (research/trace-formats.md §4.2), and user rule files. */
class CategoryRulesTest {
  static final CategoryRules RULES = CategoryRules.defaults();

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    "nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT | gemm",
    "sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize128x128x64_warpgroupsize1x1x1_execute_segment_k_off_kernel__5x_cublas | gemm",
    "void cutlass::Kernel2<cutlass_80_tensorop_bf16_s16816gemm_relu_bf16_64x64_64x4_tn_align8>(Params) | gemm",
    "ampere_sgemm_128x64_tn | gemm",
    "void cublasLt::splitKreduce_kernel<32, 16, int, float, __nv_bfloat16>(cublasLt::cublasSplitKParams<float>) | gemm",
    "void dpsk::grouped_gemm<128>(Params) | moe",
    "fused_moe_kernel | moe",
    "void vllm::moe::topkGatingSoftmax<8, 128>(const float *, int *) | moe",
    "cudnn_generated_fort_native_sdpa_sm90_flash_fprop_wgmma_f16_knob_7_64x128x128_4x1x1_cga1x1x1_kernel0_0 | attention",
    "void flash::compute_attn_ws<Flash_fwd_kernel_traits<128, 128>>(Flash_fwd_params) | attention",
    "void flash_fwd_kernel<Flash_fwd_kernel_traits<128, 64, 128, 4, false, false, cutlass::bfloat16_t>>(Flash_fwd_params) | attention",
    "_fwd_kernel | attention",
    "void vllm::paged_attention_v2_kernel<__nv_bfloat16, 128>(float *) | attention",
    "void vllm::reshape_and_cache_flash_kernel<__nv_bfloat16>(const __nv_bfloat16 *) | attention",
    "void cutlass::Kernel<AttentionKernel<cutlass::half_t>>(Params) | attention",
    "void layer_norm::ln_fwd_kernel<float>(FwdParams) | norm",
    "void vllm::rms_norm_kernel<c10::BFloat16, 8>(c10::BFloat16 *) | norm",
    "void vllm::fused_add_rms_norm_kernel<c10::BFloat16>(c10::BFloat16 *) | norm",
    "void vllm::act_and_mul_kernel<c10::BFloat16, &vllm::silu_kernel>(c10::BFloat16 *) | activation",
    "void at::native::vectorized_elementwise_kernel<4, at::native::<unnamed>::silu_kernel(at::TensorIteratorBase &)::[lambda() (instance 1)], std::array<char *, 2>>(int, T2, T3) | activation",
    "void vllm::rotary_embedding_kernel<c10::BFloat16, true>(const long *) | rope",
    "ncclKernel_AllReduce_RING_LL_Sum_float(ncclDevComm *, unsigned long, ncclWork *) | communication",
    "ncclDevKernel_AllGather_RING_LL(ncclDevComm *, unsigned long, ncclWork *) | communication",
    "void vllm::cross_device_reduce_1stage<__nv_bfloat16, 8>(vllm::RankData *) | communication",
    "void dpsk::ep::internode::dispatch<8>(Params) | communication",
    "void vllm::dynamic_scaled_fp8_quant_kernel<c10::BFloat16>(float *) | quantize",
    "void at::native::<unnamed>::cunn_SoftMaxForward<4, float, float, float, at::native::<unnamed>::SoftMaxForwardEpilogue>(float *) | sampling",
    "void at::native::reduce_kernel<512, 1, at::native::ReduceOp<float, at::native::ArgMaxOps<float>, unsigned int, long, 4, 4>>(T3) | sampling",
    "void at::native::sbtopk::gatherTopK<float, unsigned int, 2, false>(at::cuda::detail::TensorInfo<float>) | sampling",
    "[CUDA memcpy Host-to-Device] | memcpy/memset",
    "[CUDA memset] | memcpy/memset",
    "Memcpy HtoD (Pageable -> Device) | memcpy/memset",
    "void at::native::elementwise_kernel<128, 4, at::native::BinaryFunctor<c10::BFloat16>>(int, T3) | other",
    "void at::native::<unnamed>::distribution_elementwise_grid_stride_kernel<unsigned int, 4, at::native::templates::cuda::normal_kernel>(long) | other",
    "triton_poi_fused_add_cos_sin_0 | other"
  })
  void builtInRules(String name, String category) {
    assertThat(RULES.categorize(name)).isEqualTo(category);
  }

  @Test
  void userRulesComeFirstAndCanAddCategories() throws Exception {
    Path f = Fixtures.outDir("rules-user").resolve("my-rules.json");
    Files.writeString(f, """
        {"rules": [
          {"category": "rope", "match": "full", "pattern": "cos_sin"},
          {"category": "elementwise", "pattern": "elementwise"}
        ]}
        """);
    CategoryRules r = CategoryRules.load(f);
    assertThat(r.categorize("triton_poi_fused_add_cos_sin_0")).isEqualTo("rope");
    assertThat(r.categorize("void at::native::elementwise_kernel<128, 4>(int, T3)")).isEqualTo("elementwise");
    assertThat(r.categorize("nvjet_sm90_tst_64x8_64x16_4x1_v_bz_TNT")).isEqualTo("gemm"); // built-ins still apply
    assertThat(r.categoryOrder()).startsWith("rope", "elementwise").endsWith("other");
  }

  @Test
  void userRulesCanReplaceTheDefaults() throws Exception {
    Path f = Fixtures.outDir("rules-replace").resolve("only.json");
    Files.writeString(f, "{\"replaceDefaults\": true, \"default\": \"rest\", \"rules\": [{\"category\": \"mm\", \"pattern\": \"nvjet|gemm\"}]}");
    CategoryRules r = CategoryRules.load(f);
    assertThat(r.categorize("nvjet_x")).isEqualTo("mm");
    assertThat(r.categorize("flash_fwd_kernel")).isEqualTo("rest");
  }

  @Test
  void badRuleFilesAreOneLineUserErrors() throws Exception {
    Path dir = Fixtures.outDir("rules-bad");
    Path json = Files.writeString(dir.resolve("bad.json"), "{\"rules\": [");
    assertThatThrownBy(() -> CategoryRules.load(json)).isInstanceOf(UserDataException.class).hasMessageContaining("not valid JSON");
    Path regex = Files.writeString(dir.resolve("regex.json"), "{\"rules\": [{\"category\": \"x\", \"pattern\": \"(unclosed\"}]}");
    assertThatThrownBy(() -> CategoryRules.load(regex)).isInstanceOf(UserDataException.class).hasMessageContaining("rule 1 has a bad pattern");
    Path shape = Files.writeString(dir.resolve("shape.json"), "[1, 2]");
    assertThatThrownBy(() -> CategoryRules.load(shape)).isInstanceOf(UserDataException.class).hasMessageContaining("\"rules\" array");
    Path match = Files.writeString(dir.resolve("match.json"), "{\"rules\": [{\"category\": \"x\", \"pattern\": \"y\", \"match\": \"short\"}]}");
    assertThatThrownBy(() -> CategoryRules.load(match)).isInstanceOf(UserDataException.class).hasMessageContaining("use \"base\" or \"full\"");
    assertThatThrownBy(() -> CategoryRules.load(dir.resolve("none.json"))).isInstanceOf(UserDataException.class).hasMessageContaining("not found");
  }

  @Test
  void categoriesOptionReachesTheCommand() throws Exception {
    Path f = Fixtures.outDir("rules-cli").resolve("rules.json");
    Files.writeString(f, "{\"rules\": [{\"category\": \"elementwise\", \"pattern\": \"elementwise\"}]}");
    Fixtures.Run run = Fixtures.cli("nsys", Fixtures.nsysNode().toString(), "--categories", f.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("(?m)^  elementwise +[0-9.]+ (ms|us)");
  }
}
