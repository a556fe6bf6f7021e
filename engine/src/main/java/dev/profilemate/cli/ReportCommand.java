package dev.profilemate.cli;

import dev.profilemate.common.GpuCatalogue;
import dev.profilemate.common.InputPaths;
import dev.profilemate.common.Progress;
import dev.profilemate.report.KernelInputs;
import dev.profilemate.report.ReportWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "report",
    description = "Write one self-contained HTML report (charts, analyses, recommendations) from a session's "
        + "exported files, with kernel sections from --nsys, --ncu and --trace when given.")
final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "0..*", paramLabel = "SESSION",
      description = "exported session folders (CSV/JSON files), one report each; may be left out when --nsys, --ncu "
          + "or --trace is given")
  java.util.List<Path> sessions = new java.util.ArrayList<>();

  @Option(names = "--out", paramLabel = "FILE",
      description = "where to write (default: SESSION/profile_report.html, or ./profile_report.html without SESSION)")
  Path out;

  @Option(names = "--gpu", paramLabel = "NAME",
      description = "GPU for the MFU/bandwidth estimate when metadata.json has none (e.g. H100-SXM, A100-80GB, L40S)")
  String gpu;

  @Option(names = "--gpu-peaks", paramLabel = "FILE",
      description = "JSON describing a GPU the built-in catalogue lacks (same format as profilemate/gpus.json in the jar; "
          + "see docs/gpus.md); its entries are tried first")
  Path gpuPeaks;

  @Option(names = "--baseline", paramLabel = "SESSION",
      description = "an exported session to compare with: the report opens with what changed against it (\"Did it "
          + "help?\": the figures whose bootstrap 95 % interval leaves out no change, as profilemate compare BASELINE "
          + "SESSION prints them)")
  Path baseline;

  @Option(names = "--nsys", paramLabel = "FILE",
      description = "an Nsight Systems export (nsys export --type sqlite; an .nsys-rep is exported first when nsys is on "
          + "PATH): adds time per kernel category, top kernels, the prefill/decode split, CUDA-graph coverage and GPU "
          + "idle gaps")
  Path nsys;

  @Option(names = "--ncu", paramLabel = "FILE",
      description = "an Nsight Compute CSV (ncu --csv --page raw|details): adds per-kernel DRAM bandwidth and SM "
          + "throughput against the GPU's peak, and the roofline")
  Path ncu;

  @Option(names = "--trace", paramLabel = "FILE",
      description = "a PyTorch profiler trace (.json or .json.gz): the same kernel sections as --nsys, without Nsight")
  Path trace;

  @Override
  public Integer call() {
    KernelInputs kernels = new KernelInputs(nsys, ncu, trace);
    if (sessions.isEmpty() && !kernels.any()) {
      throw new ParameterException(spec.commandLine(), "Missing SESSION: give a session folder, or at least one of "
          + "--nsys, --ncu, --trace");
    }
    if (sessions.size() > 1 && (out != null || kernels.any())) {
      throw new ParameterException(spec.commandLine(), sessions.size() + " sessions given, but --out, --nsys, --ncu "
          + "and --trace belong to one; give one session, or leave those out (each report goes into its session)");
    }
    checkFile("--nsys", nsys, "an .sqlite file from nsys export --type sqlite, or an .nsys-rep");
    checkFile("--ncu", ncu, "a CSV file from ncu --csv --page raw (or details)");
    checkFile("--trace", trace, "a .json or .json.gz trace file from the PyTorch profiler");
    sessions.forEach(SessionArgs::exported); // all checked before any is written
    if (baseline != null) {
      if (sessions.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--baseline compares a session with another: give SESSION too");
      }
      checkOption("--baseline", () -> SessionArgs.exported(baseline));
    }
    GpuCatalogue gpus = GpuCatalogue.withFile(gpuPeaks); // a bad file is said before any report is written
    if (sessions.isEmpty()) {
      sessions.add(null);
    }
    for (Path session : sessions) {
      try (Progress progress = Progress.start("report")) {
        progress.phase("analysing " + (session != null ? session.getFileName() : "the kernel files"));
        Path written = ReportWriter.write(session, out, gpu, kernels, gpus, baseline);
        progress.close();
        System.out.println("wrote " + written);
      }
    }
    return 0;
  }

  /** Named with its option: the same file could be given to another one. */
  private static void checkFile(String option, Path p, String what) {
    if (p != null) {
      checkOption(option, () -> InputPaths.file(p, what));
    }
  }

  private static void checkOption(String option, Runnable check) {
    try {
      check.run();
    } catch (dev.profilemate.common.UserDataException e) {
      throw new dev.profilemate.common.UserDataException(option + " " + e.getMessage(), e);
    }
  }
}
