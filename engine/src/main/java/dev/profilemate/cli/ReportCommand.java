package dev.profilemate.cli;

import dev.profilemate.report.ReportWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "report",
    description = "Write one self-contained HTML report (charts, analyses, recommendations) from a session's "
        + "exported files.")
final class ReportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SESSION", description = "an exported session folder (CSV/JSON files)")
  Path session;

  @Option(names = "--out", paramLabel = "FILE", description = "where to write (default: SESSION/profile_report.html)")
  Path out;

  @Option(names = "--gpu", paramLabel = "NAME",
      description = "GPU for the MFU/bandwidth estimate when metadata.json has none (e.g. H100-SXM, A100-80GB, L40S)")
  String gpu;

  @Override
  public Integer call() {
    Path written = ReportWriter.write(session, out, gpu);
    System.out.println("wrote " + written);
    return 0;
  }
}
