package dev.profilemate.report;

import dev.profilemate.common.GpuCatalogue;
import dev.profilemate.common.PrivateFiles;
import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Session folder (and kernel traces) → profile_report.html, written whole and owner-only
 * ({@link PrivateFiles}): by default into the session folder, or the current folder without one.
 */
public final class ReportWriter {
  public static final String DEFAULT_NAME = "profile_report.html";

  private ReportWriter() {}

  /** A session folder that is a symlink is not read (nor written into): see PrivateFiles. */
  private static void refuseLinkedSession(Path session) {
    if (session != null && Files.isSymbolicLink(session)) {
      throw new UserDataException(session + ": is a symbolic link; refusing to read or write through it");
    }
  }

  public static Path write(Path session, Path out, String gpu) {
    return write(session, out, gpu, KernelInputs.NONE);
  }

  public static Path write(Path session, Path out, String gpu, KernelInputs kernels) {
    return write(session, out, gpu, kernels, GpuCatalogue.bundled());
  }

  public static Path write(Path session, Path out, String gpu, KernelInputs kernels, GpuCatalogue gpus) {
    return write(session, out, gpu, kernels, gpus, null);
  }

  /** baseline: an exported session the report compares this one with first (may be null). */
  public static Path write(Path session, Path out, String gpu, KernelInputs kernels, GpuCatalogue gpus, Path baseline) {
    refuseLinkedSession(session);
    refuseLinkedSession(baseline);
    Report report = Report.of(session, gpu, kernels, gpus, baseline);
    Path target = out != null ? out : session != null ? session.resolve(DEFAULT_NAME) : Path.of(DEFAULT_NAME);
    String html = HtmlReport.render(report);
    try {
      PrivateFiles.writeString(target, html);
    } catch (IOException e) {
      throw new UserDataException("cannot write " + target + ": " + e.getMessage(), e);
    }
    return target;
  }
}
