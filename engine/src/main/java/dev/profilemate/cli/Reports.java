package dev.profilemate.cli;

import dev.profilemate.report.ReportWriter;
import java.nio.file.Path;

/** Writes the HTML report beside the session files (profile_report.html). */
final class Reports {
  private Reports() {}

  static void writeIfAvailable(Path session) {
    Path written;
    try (dev.profilemate.common.Progress progress = dev.profilemate.common.Progress.start("report")) {
      progress.phase("analysing " + session.getFileName());
      written = ReportWriter.write(session, null, null);
    }
    System.out.println("report: " + written);
  }
}
