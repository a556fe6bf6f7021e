package dev.profilemate.report;

import dev.profilemate.cli.UserDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Session folder (and kernel traces) → profile_report.html, written whole (temporary file, then
 * moved into place): by default into the session folder, or the current folder without one.
 */
public final class ReportWriter {
  public static final String DEFAULT_NAME = "profile_report.html";

  private ReportWriter() {}

  public static Path write(Path session, Path out, String gpu) {
    return write(session, out, gpu, KernelInputs.NONE);
  }

  public static Path write(Path session, Path out, String gpu, KernelInputs kernels) {
    Report report = Report.of(session, gpu, kernels);
    Path target = out != null ? out : session != null ? session.resolve(DEFAULT_NAME) : Path.of(DEFAULT_NAME);
    String html = HtmlReport.render(report);
    try {
      Path dir = target.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
      try {
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UserDataException("cannot write " + target + ": " + e.getMessage(), e);
    }
    return target;
  }
}
