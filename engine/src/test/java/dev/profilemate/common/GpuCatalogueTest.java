package dev.profilemate.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GpuCatalogueTest {
  private final GpuCatalogue gpus = GpuCatalogue.bundled();

  /** Names as torch.cuda.get_device_name, nvidia-smi, nsys and ncu print them, and as users type --gpu. */
  @ParameterizedTest
  @CsvSource({
      "NVIDIA H100 80GB HBM3, H100 SXM",
      "NVIDIA H100 PCIe, H100 PCIe",
      "NVIDIA H100 NVL, H100 NVL",
      "h100-sxm, H100 SXM",
      "NVIDIA H200, H200 SXM",
      "NVIDIA H200 NVL, H200 NVL",
      "NVIDIA GH200 480GB, GH200",
      "NVIDIA A100-SXM4-80GB, A100 SXM 80GB",
      "NVIDIA A100-SXM4-40GB, A100 SXM 40GB",
      "NVIDIA A100-PCIE-40GB, A100 PCIe 40GB",
      "NVIDIA A100 80GB PCIe, A100 PCIe 80GB",
      "NVIDIA A100-PCIE-80GB, A100 PCIe 80GB",
      "a100-80gb, A100 80GB",
      "NVIDIA B200, B200",
      "NVIDIA GB200, GB200",
      "NVIDIA L40S, L40S",
      "NVIDIA L40, L40",
      "NVIDIA L4, L4",
      "NVIDIA A10G, A10G",
      "NVIDIA A10, A10",
      "NVIDIA A40, A40",
      "Tesla T4, T4",
      "AMD Instinct MI300X, MI300X",
      "AMD Instinct MI325X, MI325X",
  })
  void gpuNamesAsToolsPrintThemFindTheirRow(String name, String expected) {
    assertThat(gpus.match(name)).map(GpuCatalogue.Gpu::name).contains(expected);
  }

  @Test
  void everyRowHasDatasheetPeaksAndItsSource() {
    assertThat(gpus.all()).hasSizeGreaterThanOrEqualTo(20).allSatisfy(g -> {
      assertThat(g.bf16Tflops()).as(g.name()).isPositive();
      assertThat(g.memoryBandwidthGbps()).as(g.name()).isPositive();
      assertThat(g.fp32Tflops()).as(g.name()).isPositive();
      assertThat(g.memoryGb()).as(g.name()).isPositive();
      assertThat(g.source()).as(g.name()).isNotBlank();
      assertThat(g.url()).as(g.name()).startsWith("https://");
      assertThat(g.from()).isEqualTo("built-in");
      // an FP8 peak, where there is one, is twice the BF16 one on every GPU listed (the L40S datasheet
      // itself prints 362.05 and 733: within 2.5 %)
      if (!Double.isNaN(g.fp8Tflops())) {
        assertThat(g.fp8Tflops() / g.bf16Tflops()).as(g.name()).isBetween(1.975, 2.025);
      }
    });
    // the list: each present by name
    for (String n : new String[] {"H100 SXM", "H200 SXM", "B200", "A100 SXM 80GB", "A100 PCIe 80GB", "A100 PCIe 40GB",
        "L40S", "MI300X"}) {
      assertThat(gpus.match(n)).as(n).map(GpuCatalogue.Gpu::name).contains(n);
    }
    assertThat(gpus.match("Radeon 9000")).isEmpty();
    assertThat(gpus.match("")).isEmpty();
    assertThat(gpus.match(null)).isEmpty();
  }

  /** Datasheet figures the two old tables disagreed on, or got wrong. */
  @Test
  void a100VariantsAndH100NvlCarryTheirOwnDatasheetFigures() {
    assertThat(gpus.match("NVIDIA A100 80GB PCIe").orElseThrow().memoryBandwidthGbps()).isEqualTo(1935);
    assertThat(gpus.match("NVIDIA A100-SXM4-80GB").orElseThrow().memoryBandwidthGbps()).isEqualTo(2039);
    assertThat(gpus.match("NVIDIA A100-PCIE-40GB").orElseThrow().memoryBandwidthGbps()).isEqualTo(1555);
    assertThat(gpus.match("NVIDIA H100 NVL").orElseThrow().memoryBandwidthGbps()).isEqualTo(3900);
    assertThat(gpus.match("NVIDIA H100 PCIe").orElseThrow().fp32Tflops()).isEqualTo(51.2);
  }

  @Test
  void aUsersFileDescribesAnotherGpuAndIsTriedFirst(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("peaks.json");
    Files.writeString(f, """
        {"gpus": [
          {"name": "RTX 6000 Ada", "patterns": ["rtx 6000 ada"], "bf16_tflops": 364.2, "memory_bandwidth_gbps": 960},
          {"name": "My H100", "patterns": ["h100"], "bf16_tflops": 900, "fp32_tflops": 60, "memory_bandwidth_gbps": 3000,
           "source": "measured by us"}
        ]}""");
    GpuCatalogue c = GpuCatalogue.withFile(f);
    GpuCatalogue.Gpu ada = c.match("NVIDIA RTX 6000 Ada Generation").orElseThrow();
    assertThat(ada.bf16Tflops()).isEqualTo(364.2);
    assertThat(ada.fp8Tflops()).isNaN();
    assertThat(ada.from()).isEqualTo(f.toString());
    assertThat(ada.source()).contains(f.toString());
    assertThat(c.match("NVIDIA H100 80GB HBM3").orElseThrow().name()).isEqualTo("My H100");
    assertThat(c.match("NVIDIA H200").orElseThrow().name()).isEqualTo("H200 SXM");
    assertThat(GpuCatalogue.withFile(null)).isSameAs(GpuCatalogue.bundled());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"gpus\": []}|no \"gpus\" list",
      "[1, 2]|no \"gpus\" list",
      "{\"gpus\": [{\"bf16_tflops\": 1, \"memory_bandwidth_gbps\": 1}]}|gpus[1]: no \"name\"",
      "{\"gpus\": [{\"name\": \"X\", \"memory_bandwidth_gbps\": 1}]}|gpus[1] (X): no \"bf16_tflops\"",
      "{\"gpus\": [{\"name\": \"X\", \"bf16_tflops\": -3, \"memory_bandwidth_gbps\": 1}]}|\"bf16_tflops\" must be a positive number",
      "{\"gpus\": [{\"name\": \"X\", \"bf16_tflops\": \"fast\", \"memory_bandwidth_gbps\": 1}]}|must be a positive number",
      "{\"gpus\": [{\"name\": |not a GPU peaks JSON file",
  })
  void aBadFileIsOneLineNamingTheFileAndTheProblem(String json, String expected, @TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("bad.json");
    Files.writeString(f, json);
    assertThatThrownBy(() -> GpuCatalogue.withFile(f)).isInstanceOf(UserDataException.class)
        .satisfies(e -> assertThat(e.getMessage()).startsWith(f.toString()).contains(expected).doesNotContain("\n"));
  }

  @Test
  void aMissingFileOrAFolderIsSaid(@TempDir Path tmp) {
    assertThatThrownBy(() -> GpuCatalogue.withFile(tmp.resolve("nope.json"))).isInstanceOf(UserDataException.class)
        .hasMessageContaining("no such file");
    assertThatThrownBy(() -> GpuCatalogue.withFile(tmp)).isInstanceOf(UserDataException.class)
        .hasMessageContaining("is a folder");
  }
}
