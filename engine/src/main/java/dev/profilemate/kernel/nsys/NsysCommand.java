package dev.profilemate.kernel.nsys;

import dev.profilemate.kernel.CategoryTotal;
import dev.profilemate.kernel.CsvOut;
import dev.profilemate.kernel.IdleGapTracker;
import dev.profilemate.kernel.KernelJson;
import dev.profilemate.kernel.KernelOptions;
import dev.profilemate.kernel.KernelSummary;
import dev.profilemate.kernel.MemoryOpSummary;
import dev.profilemate.kernel.category.CategoryRules;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code profilemate nsys FILE.sqlite|FILE.nsys-rep [--json OUT] [--csv-dir DIR] [--categories FILE]}. */
@Command(
    name = "nsys",
    mixinStandardHelpOptions = true,
    description = {
      "Kernel-level analysis of an Nsight Systems trace (nsys export --type sqlite).",
      "Per-kernel totals (as nsys stats cuda_gpu_kern_sum), time per category, prefill/decode split from NVTX"
          + " ranges, CUDA-graph coverage and GPU idle gaps."
    })
public final class NsysCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KernelOptions opts;

  @Parameters(index = "0", paramLabel = "FILE", description = "an .sqlite export, or an .nsys-rep (exported with nsys on PATH)")
  Path file;

  @Option(names = "--csv-dir", paramLabel = "DIR", description = "write kernels.csv, memory_ops.csv, categories.csv, phases.csv, nvtx_ranges.csv, idle.csv and idle_gaps.csv to DIR")
  Path csvDir;

  @Override
  public Integer call() {
    dev.profilemate.common.InputPaths.file(file, "an .sqlite file from nsys export --type sqlite, or an .nsys-rep");
    CategoryRules rules = CategoryRules.load(opts.categories);
    Path input = file;
    if (NsysRepExporter.isReport(file)) {
      input = new NsysRepExporter(System.getenv("PATH")).export(file);
    }
    NsysAnalyzer.Result result;
    try (dev.profilemate.common.Progress progress = dev.profilemate.common.Progress.start("nsys")) {
      progress.phase("analysing " + input.getFileName());
      result = new NsysAnalyzer(rules, opts.gaps()).analyze(input);
    }
    NsysReport r = result.report();
    PrintWriter out = spec.commandLine().getOut();
    out.print(NsysText.render(r, opts.top(), opts.gaps()));
    if (opts.json != null) {
      KernelJson.write(opts.json, r);
      out.println("wrote " + opts.json);
    }
    if (csvDir != null) {
      writeCsv(csvDir, result);
      out.println("wrote CSV files to " + csvDir);
    }
    out.flush();
    return 0;
  }

  static void writeCsv(Path dir, NsysAnalyzer.Result result) {
    NsysReport r = result.report();
    CsvOut.write(dir, "kernels.csv", KernelSummary.class, r.kernels());
    CsvOut.write(dir, "memory_ops.csv", MemoryOpSummary.class, r.memoryOps());
    CsvOut.write(dir, "categories.csv", CategoryTotal.class, r.categories());
    CsvOut.write(dir, "phases.csv", PhaseRow.class, PhaseRow.of(r.phases()));
    CsvOut.write(dir, "nvtx_ranges.csv", NsysAnalyzer.RangeProjection.class, result.ranges());
    CsvOut.write(dir, "idle.csv", IdleGapTracker.DeviceIdle.class, r.idle());
    List<GapRow> gapRows = new ArrayList<>();
    for (IdleGapTracker.DeviceIdle d : r.idle()) {
      for (IdleGapTracker.IdleGap g : d.largestGaps()) {
        gapRows.add(new GapRow(d.device(), g.startNs(), g.durationNs(), g.before(), g.after()));
      }
    }
    CsvOut.write(dir, "idle_gaps.csv", GapRow.class, gapRows);
  }

  /** A row of idle_gaps.csv. */
  public record GapRow(int device, long startNs, long durationNs, String before, String after) {}

  /** A row of phases.csv: one per (phase, category). */
  public record PhaseRow(String phase, long ranges, long wallNs, long phaseKernelNs, String category, long categoryNs) {
    static List<PhaseRow> of(dev.profilemate.kernel.PhaseBreakdown p) {
      List<PhaseRow> rows = new ArrayList<>();
      for (var ph : p.phases()) {
        for (var c : ph.categories()) {
          rows.add(new PhaseRow(ph.phase(), ph.ranges(), ph.wallNs(), ph.kernelNs(), c.category(), c.ns()));
        }
      }
      return rows;
    }
  }
}
