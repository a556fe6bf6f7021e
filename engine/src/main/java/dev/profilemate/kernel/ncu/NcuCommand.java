package dev.profilemate.kernel.ncu;

import dev.profilemate.common.GpuCatalogue;
import dev.profilemate.common.Num;
import dev.profilemate.kernel.CsvOut;
import dev.profilemate.kernel.KernelJson;
import dev.profilemate.kernel.KernelNames;
import dev.profilemate.kernel.TextTable;
import dev.profilemate.kernel.category.CategoryRules;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code profilemate ncu FILE.csv[.gz] [--json OUT] [--csv-dir DIR] [--gpu NAME] [--categories FILE]}. */
@Command(
    name = "ncu",
    mixinStandardHelpOptions = true,
    description = {
      "Per-kernel bandwidth, compute throughput and roofline position from Nsight Compute CSV output",
      "(ncu --csv --page raw|details, any --print-units, also the live stdout with ==PROF== lines)."
    })
public final class NcuCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "ncu CSV (.csv, .csv.gz, or captured stdout)")
  Path file;

  @Option(names = "--json", paramLabel = "OUT", description = "write the results as JSON to OUT")
  Path json;

  @Option(names = "--csv-dir", paramLabel = "DIR", description = "write kernels.csv and launches.csv to DIR")
  Path csvDir;

  @Option(names = "--gpu", paramLabel = "NAME", description = "GPU to take peaks for (e.g. \"H100 SXM\"), when the CSV does not name it")
  String gpu;

  @Option(names = "--gpu-peaks", paramLabel = "FILE",
      description = "JSON describing a GPU the built-in catalogue lacks (same format as profilemate/gpus.json in the jar; "
          + "see docs/gpus.md); its entries are tried first")
  Path gpuPeaks;

  @Option(names = "--categories", paramLabel = "FILE", description = "extra kernel category rules (JSON, same shape as the built-in table)")
  Path categories;

  @Option(names = "--top", defaultValue = "15", description = "kernels to list in the text summary (default ${DEFAULT-VALUE})")
  int top;

  @Override
  public Integer call() {
    dev.profilemate.common.InputPaths.file(file, "a CSV file from ncu --csv --page raw (or details)");
    NcuReport r;
    try (dev.profilemate.common.Progress progress = dev.profilemate.common.Progress.start("ncu")) {
      progress.phase("analysing " + file.getFileName());
      r = new NcuAnalyzer(CategoryRules.load(categories), GpuCatalogue.withFile(gpuPeaks), gpu).analyze(file);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(render(r, Math.max(0, top)));
    if (json != null) {
      KernelJson.write(json, r);
      out.println("wrote " + json);
    }
    if (csvDir != null) {
      CsvOut.write(csvDir, "kernels.csv", NcuReport.KernelRow.class, r.kernels());
      CsvOut.write(csvDir, "launches.csv", NcuReport.LaunchRow.class, r.launches());
      out.println("wrote CSV files to " + csvDir);
    }
    out.flush();
    return 0;
  }

  static String render(NcuReport r, int top) {
    StringBuilder sb = new StringBuilder();
    NcuReport.Source s = r.source();
    sb.append(Num.f("Nsight Compute CSV %s (%s page, %d kernel launches%s)%n", s.file(), s.page(), s.launches(),
        s.skippedLines() > 0 ? Num.f(", %d non-CSV lines skipped", s.skippedLines()) : ""));
    NcuReport.Gpu g = r.gpu();
    sb.append("GPU: ").append(g.deviceName() == null ? "not named in the CSV (use --gpu NAME)" : g.deviceName());
    if (g.peakTable() != null) {
      sb.append(Num.f("; datasheet peaks (%s): DRAM %.0f GB/s, FP16/BF16 dense %.0f TFLOPS, FP32 %.1f TFLOPS; ridge points %.0f (tensor) and %.1f (FP32) FLOP/byte",
          g.peakTable(), g.peakDramBytesPerSec() / 1e9, g.peakTensorFlopsPerSec() / 1e12, g.peakFp32FlopsPerSec() / 1e12,
          g.ridgeTensorFlopPerByte(), g.ridgeFp32FlopPerByte()));
    } else if (g.peakDramBytesPerSec() != null) {
      sb.append(Num.f("; not in the peak table: DRAM peak %.0f GB/s from ncu's own counters, compute peaks unknown",
          g.peakDramBytesPerSec() / 1e9));
    } else {
      sb.append("; no peak known (not in the peak table, no dram__bytes.sum.peak_sustained in the CSV)");
    }
    if (g.counterPeakDramBytesPerSec() != null && g.peakTable() != null) {
      sb.append(Num.f(" (ncu counters: DRAM %.0f GB/s)", g.counterPeakDramBytesPerSec() / 1e9));
    }
    sb.append('\n');
    sb.append(Num.f("Profiled kernel time: %s in %d launches%n", Num.time(r.summary().totalDurationNs()), r.summary().launches()));
    StringBuilder b = new StringBuilder("  by bound:");
    for (NcuReport.BoundShare x : r.summary().byBound()) {
      if (x.launches() > 0) {
        b.append(Num.f(" %s %.1f%% (%d)", x.bound(), x.timePct(), x.launches()));
      }
    }
    sb.append(b).append("\n\n");
    sb.append(Num.f("Top kernels by profiled time (%d of %d names)%n", Math.min(top, r.kernels().size()), r.kernels().size()));
    TextTable t = new TextTable("time%>", "total>", "launches>", "DRAM GB/s>", "DRAM %peak>", "SM %>", "mem %>", "FLOP/B>", "bound",
        "category", "name");
    for (NcuReport.KernelRow k : r.kernels().subList(0, Math.min(top, r.kernels().size()))) {
      t.row(Num.f("%.1f", k.timePct()), Num.time(k.totalDurationNs()), k.launches(),
          k.dramBytesPerSec() == null ? "" : Num.f("%.0f", k.dramBytesPerSec() / 1e9),
          k.dramPctOfPeak() == null ? "" : Num.f("%.1f", k.dramPctOfPeak()),
          k.ncuSmPct() == null ? "" : Num.f("%.1f", k.ncuSmPct()),
          k.ncuMemoryPct() == null ? (k.ncuDramPct() == null ? "" : Num.f("%.1f", k.ncuDramPct())) : Num.f("%.1f", k.ncuMemoryPct()),
          k.tensorCores() ? "tensor" : k.arithmeticIntensity() == null ? "" : Num.f("%.2f", k.arithmeticIntensity()),
          k.bound() + (k.rooflineSide() != null && !k.rooflineSide().equals(k.bound()) ? " (roofline: " + k.rooflineSide() + ")" : ""),
          k.category(), Num.clip(KernelNames.baseName(k.name()), 70));
    }
    sb.append(t.render("  "));
    sb.append("  bound: ncu speed-of-light view (latency = memory and SM throughput both < 60% of peak);"
        + " FLOP/B: SASS FP operations per DRAM byte (tensor-core math not counted)\n");
    return sb.toString();
  }
}
