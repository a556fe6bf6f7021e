package dev.profilemate.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * docs/gpus.md is the built-in catalogue as a table, rendered from the same resource the engine
 * reads, so the page cannot drift from the figures used. Regenerate with
 * -Dprofilemate.updateGolden=true after a reviewed change of gpus.json.
 */
class GpuCatalogueDocTest {
  static final Path DOC = Path.of("..", "docs", "gpus.md");

  @Test
  void docsGpusMdIsTheCatalogue() throws IOException {
    String expected = render(GpuCatalogue.bundled());
    if (Boolean.getBoolean("profilemate.updateGolden")) {
      Files.writeString(DOC, expected);
    }
    assertThat(Files.readString(DOC)).as("docs/gpus.md is generated: rerun with -Dprofilemate.updateGolden=true")
        .isEqualTo(expected);
  }

  static String render(GpuCatalogue c) {
    StringBuilder sb = new StringBuilder();
    sb.append("""
        # GPU peaks

        <!-- generated from engine/src/main/resources/profilemate/gpus.json by GpuCatalogueDocTest; do not edit -->

        The report's model-FLOPs and memory-bandwidth utilisation (MFU, MBU) and the kernel analysis'
        roofline (`profilemate ncu`, `report --ncu`) take a GPU's peaks from this one table. Tensor-core
        TFLOPS are **dense** (the datasheets print the 2:4-sparse figure, twice these) at boost clock;
        FP32 is the non-tensor figure; bandwidth is GB/s (10^9 bytes/s). A GPU is found by its name as
        torch, nvidia-smi, nsys or ncu print it (or `--gpu NAME`): lower-cased, punctuation as spaces, the
        first row with a pattern found as whole words wins.

        | GPU | BF16/FP16 TFLOPS | FP8 TFLOPS | FP32 TFLOPS | memory GB/s | memory GB | matched by | source |
        |---|---:|---:|---:|---:|---:|---|---|
        """);
    for (GpuCatalogue.Gpu g : c.all()) {
      sb.append("| ").append(g.name()).append(" | ").append(n(g.bf16Tflops())).append(" | ").append(n(g.fp8Tflops()))
          .append(" | ").append(n(g.fp32Tflops())).append(" | ").append(n(g.memoryBandwidthGbps())).append(" | ")
          .append(n(g.memoryGb())).append(" | ").append(String.join(", ", g.patterns().stream().map(p -> "`" + p + "`").toList()))
          .append(" | [").append(g.source().replace("|", "/")).append("](").append(g.url()).append(") |\n");
    }
    sb.append("""

        ## A GPU that is not listed

        `profilemate report SESSION --gpu-peaks my-gpus.json` (and `profilemate ncu FILE --gpu-peaks …`)
        reads more rows in the same format; they are tried before the built-in ones, so a row can also
        correct a listed GPU (a clock-limited part, the 144 GB GH200). `name`, `bf16_tflops` and
        `memory_bandwidth_gbps` are required; `patterns` (default: none, so the row is found by its exact
        name or by `--gpu NAME`), `fp8_tflops`, `fp32_tflops`, `memory_gb`, `source` and `url` are
        optional. A bad file stops the command with one line naming the file, the row and the problem
        (exit 1).

        ```json
        {"gpus": [
          {"name": "RTX PRO 6000", "patterns": ["rtx pro 6000"], "bf16_tflops": 500,
           "fp32_tflops": 125, "memory_bandwidth_gbps": 1792, "memory_gb": 96,
           "source": "our measurement"}
        ]}
        ```

        The report says which row it used and where it came from (built-in or your file).
        """);
    return sb.toString();
  }

  private static String n(double v) {
    if (Double.isNaN(v)) {
      return "—";
    }
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%,.2f", v)
        .replaceAll("0$", "");
  }
}
