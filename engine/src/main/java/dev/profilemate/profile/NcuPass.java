package dev.profilemate.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.kernel.KernelNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Nsight Compute pass of full and --with-ncu: a second, short server run under {@code ncu},
 * limited to the top kernels of the nsys pass ({@code --kernel-name regex:...}) and to
 * {@code --launch-count} launches, profiling only between /start_profile and /stop_profile
 * (vLLM's {@code --profiler-config {"profiler":"cuda"}} calls cudaProfilerStart/Stop), then
 * {@code ncu --import --csv --page raw} and {@code profilemate ncu}.
 */
final class NcuPass {
  /** What profilemate ncu reads: speed-of-light percentages, DRAM bytes, FP instruction counts, tensor pipe. */
  static final String METRICS = String.join(",",
      "gpu__time_duration.sum", "dram__bytes.sum", "dram__bytes_read.sum", "dram__bytes_write.sum",
      "dram__bytes.sum.per_second", "dram__bytes.sum.peak_sustained", "dram__cycles_elapsed.avg.per_second",
      "dram__throughput.avg.pct_of_peak_sustained_elapsed",
      "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed",
      "sm__throughput.avg.pct_of_peak_sustained_elapsed", "sm__cycles_elapsed.avg.per_second",
      "sm__sass_thread_inst_executed_op_ffma_pred_on.sum", "sm__sass_thread_inst_executed_op_fadd_pred_on.sum",
      "sm__sass_thread_inst_executed_op_fmul_pred_on.sum", "sm__sass_thread_inst_executed_op_hfma_pred_on.sum",
      "sm__sass_thread_inst_executed_op_hadd_pred_on.sum", "sm__sass_thread_inst_executed_op_hmul_pred_on.sum",
      "sm__inst_executed_pipe_tensor.sum", "sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_elapsed",
      "device__attribute_display_name");
  static final String PROFILER_CONFIG = "{\"profiler\":\"cuda\"}";

  private NcuPass() {}

  static Path dir(Path outDir) {
    return outDir.resolve("ncu");
  }

  static Path report(Path outDir) {
    return dir(outDir).resolve("kernels.ncu-rep");
  }

  static Path csv(Path outDir) {
    return dir(outDir).resolve("kernels_raw.csv");
  }

  static List<String> command(Path ncu, Path outDir, List<String> kernels, int launchCount, List<String> server) {
    List<String> cmd = new ArrayList<>(List.of(ncu.toString(), "--target-processes", "all",
        "--profile-from-start", "off", "--clock-control", "none",
        "--section", "SpeedOfLight", "--metrics", METRICS));
    if (!kernels.isEmpty()) {
      cmd.addAll(List.of("--kernel-name-base", "function", "--kernel-name", "regex:" + regex(kernels)));
    }
    cmd.addAll(List.of("--launch-count", Integer.toString(launchCount),
        "--export", dir(outDir).resolve("kernels").toString(), "--force-overwrite"));
    cmd.addAll(server);
    return cmd;
  }

  /** The server arguments the ncu run adds: the CUDA profiler behind /start_profile, unless the user set one. */
  static List<String> serverArgs(VllmLaunch launch) {
    return launch.userHas("--profiler-config") ? List.of() : List.of("--profiler-config", PROFILER_CONFIG);
  }

  /**
   * The function names (last component of the base name, which is how ncu's "function" name base
   * spells them) of the {@code k} kernels with the most GPU time in the nsys results.
   */
  static List<String> topKernels(Path nsysJson, int k) throws IOException {
    JsonNode root = new ObjectMapper().readTree(nsysJson.toFile());
    List<JsonNode> rows = new ArrayList<>();
    root.path("kernels").forEach(rows::add);
    rows.sort((a, b) -> Long.compare(b.path("totalNs").asLong(), a.path("totalNs").asLong()));
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode row : rows) {
      if (names.size() >= k) {
        break;
      }
      String name = row.path("name").asText("");
      if (name.isEmpty() || KernelNames.isMemoryOp(name)) {
        continue;
      }
      String base = KernelNames.baseName(name);
      int colons = base.lastIndexOf("::");
      String fn = colons >= 0 ? base.substring(colons + 2) : base;
      if (!fn.isBlank()) {
        names.add(fn.strip());
      }
    }
    return List.copyOf(names);
  }

  /** (a|b|c) with regex metacharacters escaped; matched anywhere in the name, as ncu does. */
  static String regex(List<String> names) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        sb.append('|');
      }
      for (char c : names.get(i).toCharArray()) {
        if ("\\^$.|?*+()[]{}".indexOf(c) >= 0) {
          sb.append('\\');
        }
        sb.append(c);
      }
    }
    return sb.append(')').toString();
  }

  /** ncu --import REPORT --csv --page raw > kernels_raw.csv; null on success, else what went wrong. */
  static String exportCsv(Path ncu, Path outDir, Map<String, String> env) {
    if (!Files.isRegularFile(report(outDir))) {
      return "ncu wrote no " + outDir.relativize(report(outDir)) + " (no kernel was profiled; see ncu/vllm_server.log)";
    }
    Map<String, String> c = new java.util.HashMap<>(env);
    c.put("LC_ALL", "C");
    ShortCommand.Result r = ShortCommand.run(List.of(ncu.toString(), "--import", report(outDir).toString(),
        "--csv", "--page", "raw"), c, 1800, csv(outDir));
    if (!r.ok()) {
      return "ncu --import --csv failed (exit " + r.exit() + ": " + r.lastLine() + ")";
    }
    return null;
  }

  static EngineStep.Outcome analyze(EngineStep engine, Path outDir) {
    Path k = outDir.resolve("kernels");
    return engine.run(k.resolve("ncu.txt"), "ncu", csv(outDir).toString(),
        "--json", k.resolve("ncu.json").toString(), "--csv-dir", k.resolve("ncu").toString());
  }
}
