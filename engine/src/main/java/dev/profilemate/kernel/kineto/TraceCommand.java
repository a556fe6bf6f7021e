package dev.profilemate.kernel.kineto;

import dev.profilemate.common.Num;
import dev.profilemate.kernel.CategoryTotal;
import dev.profilemate.kernel.CsvOut;
import dev.profilemate.kernel.IdleGapTracker;
import dev.profilemate.kernel.KernelJson;
import dev.profilemate.kernel.KernelOptions;
import dev.profilemate.kernel.KernelSummary;
import dev.profilemate.kernel.KernelText;
import dev.profilemate.kernel.MemoryOpSummary;
import dev.profilemate.kernel.category.CategoryRules;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code profilemate trace FILE.json[.gz] [--json OUT] [--csv-dir DIR] [--categories FILE]}. */
@Command(
    name = "trace",
    mixinStandardHelpOptions = true,
    description = {
      "Kernel-level analysis of a PyTorch profiler (Kineto) Chrome trace, as vLLM's torch profiler writes it.",
      "Kernel totals, time per category, phases from GPU annotations, CUDA-graph share and GPU idle gaps."
    })
public final class TraceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KernelOptions opts;

  @Parameters(index = "0", paramLabel = "FILE", description = "a .json or .json.gz trace (e.g. *.pt.trace.json.gz)")
  Path file;

  @Option(names = "--csv-dir", paramLabel = "DIR", description = "write kernels.csv, memory_ops.csv, categories.csv, idle.csv to DIR")
  Path csvDir;

  @Override
  public Integer call() {
    dev.profilemate.common.InputPaths.file(file, "a .json or .json.gz trace file from the PyTorch profiler");
    CategoryRules rules = CategoryRules.load(opts.categories);
    TraceReport r;
    try (dev.profilemate.common.Progress progress = dev.profilemate.common.Progress.start("trace")) {
      progress.phase("analysing " + file.getFileName());
      r = new KinetoAnalyzer(rules, opts.gaps()).analyze(file);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(render(r, opts.top(), opts.gaps()));
    if (opts.json != null) {
      KernelJson.write(opts.json, r);
      out.println("wrote " + opts.json);
    }
    if (csvDir != null) {
      CsvOut.write(csvDir, "kernels.csv", KernelSummary.class, r.kernels());
      CsvOut.write(csvDir, "memory_ops.csv", MemoryOpSummary.class, r.memoryOps());
      CsvOut.write(csvDir, "categories.csv", CategoryTotal.class, r.categories());
      CsvOut.write(csvDir, "idle.csv", IdleGapTracker.DeviceIdle.class, r.idle());
      out.println("wrote CSV files to " + csvDir);
    }
    out.flush();
    return 0;
  }

  static String render(TraceReport r, int top, int gaps) {
    StringBuilder sb = new StringBuilder();
    TraceReport.Source s = r.source();
    sb.append(Num.f("PyTorch profiler trace %s (%d events%s)%n", s.file(), r.totals().events(),
        s.rank() == null ? "" : Num.f(", rank %d of %d", s.rank(), s.worldSize() == null ? 0 : s.worldSize())));
    for (TraceReport.Gpu g : s.gpus()) {
      sb.append(Num.f("GPU %d: %s%s%n", g.id(), g.name(), g.numSms() == null ? "" : ", " + g.numSms() + " SMs"));
    }
    TraceReport.Totals t = r.totals();
    if (t.kernelInstances() == 0 && t.memoryOpInstances() == 0) {
      return sb.append("No GPU kernels or memory operations in this trace (CPU-only, or CUDA activity was not recorded).\n")
          .toString();
    }
    sb.append(KernelText.body(t.kernelInstances(), t.kernelNs(), t.memoryOpInstances(), t.memoryOpNs(), r.kernels(),
        r.memoryOps(), r.categories(), r.phases(), r.cudaGraphs(), r.idle(), top, gaps));
    return sb.toString();
  }
}
