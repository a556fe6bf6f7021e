package dev.profilemate.report;

import dev.profilemate.common.GpuCatalogue;
import dev.profilemate.common.UserDataException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;

/**
 * Everything the HTML report shows, computed from a session folder. It is also the report's data
 * island (JSON), which golden tests lock.
 */
public record Report(String format, SessionSummary session, List<Recommendation> recommendations, Analyses analyses) {

  static final String FORMAT = "profilemate-report/1";

  /** Reads the session's files and runs every analysis; {@code gpu} overrides metadata's GPU name (may be null). */
  public static Report of(Path sessionDir, String gpu) {
    return of(sessionDir, gpu, KernelInputs.NONE);
  }

  /**
   * As {@link #of(Path, String)}, with the kernel traces analysed in-process and joined as the kernel
   * sections. {@code sessionDir} may be null when kernel traces are given: the session's sections
   * then say there is no session.
   */
  public static Report of(Path sessionDir, String gpu, KernelInputs kernels) {
    return of(sessionDir, gpu, kernels, GpuCatalogue.bundled());
  }

  /** As above, with the GPU peaks taken from {@code gpus} (the built-in table, or it with a --gpu-peaks file). */
  public static Report of(Path sessionDir, String gpu, KernelInputs kernels, GpuCatalogue gpus) {
    return of(sessionDir, gpu, kernels, gpus, null);
  }

  /** As above, opening with this session's changes against {@code baseline} (an exported session; may be null). */
  public static Report of(Path sessionDir, String gpu, KernelInputs kernels, GpuCatalogue gpus, Path baseline) {
    if (gpu != null && !gpu.isBlank() && gpus.match(gpu).isEmpty()) {
      throw new UserDataException("unknown GPU '" + gpu + "' for --gpu; known: " + gpus.names()
          + "; describe another with --gpu-peaks FILE");
    }
    if (sessionDir == null && (kernels == null || !kernels.any())) {
      throw new IllegalArgumentException("a report needs a session or a kernel trace");
    }
    SessionData s = sessionDir == null ? SessionData.none() : SessionData.read(sessionDir);
    Analyses a = Analyses.of(s, gpu, gpus, KernelRuns.of(kernels, gpu, gpus), baseline);
    return new Report(FORMAT, SessionSummary.of(s, a, ZoneId.systemDefault()), Recommendations.of(a, s.metadata()), a);
  }
}
