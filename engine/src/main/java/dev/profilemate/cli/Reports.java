package dev.profilemate.cli;

import dev.profilemate.report.ReportWriter;
import java.nio.file.Path;

/** Writes the HTML report beside the session files (profile_report.html). */
final class Reports {
  private Reports() {}

  static void writeIfAvailable(Path session) {
    System.out.println("report: " + ReportWriter.write(session, null, null));
  }
}
