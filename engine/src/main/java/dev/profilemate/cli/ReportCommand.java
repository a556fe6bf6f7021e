package dev.profilemate.cli;

import dev.profilemate.common.GpuCatalogue;
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

  @Parameters(index = "0", arity = "0..1", paramLabel = "SESSION",
      description = "an exported session folder (CSV/JSON files); may be left out when --nsys, --ncu or --trace is given")
  Path session;

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
    if (session == null && !kernels.any()) {
      throw new ParameterException(spec.commandLine(), "Missing SESSION: give a session folder, or at least one of "
          + "--nsys, --ncu, --trace");
    }
    Path written = ReportWriter.write(session, out, gpu, kernels, GpuCatalogue.withFile(gpuPeaks));
    System.out.println("wrote " + written);
    return 0;
  }
}
