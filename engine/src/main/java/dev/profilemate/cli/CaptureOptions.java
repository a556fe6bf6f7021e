package dev.profilemate.cli;

import dev.profilemate.aggregate.CaptureSettings;
import dev.profilemate.capture.CaptureKeeper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** collect's triggered-capture options (docs/triggered-capture.md); the rules are --trigger's. */
final class CaptureOptions {
  @picocli.CommandLine.Mixin TriggerOptions triggers = new TriggerOptions();

  @Option(names = "--profile-url", paramLabel = "URL", defaultValue = "${env:VLLM_PROFILING_PROFILE_URL}",
      description = "on a capture, POST URL/start_profile, and URL/stop_profile when its window ends (vLLM serves "
          + "them only when started with --profiler-config; default: $VLLM_PROFILING_PROFILE_URL, else off)")
  String profileUrl;

  @Option(names = "--capture-max-count", paramLabel = "N",
      description = "keep at most N captures in SESSION/captures/, the oldest finished removed first (default: ${DEFAULT-VALUE})")
  int maxCount = 20;

  @Option(names = "--capture-max-mb", paramLabel = "MB",
      description = "keep SESSION/captures/ within MB MiB, the oldest finished capture removed first (default: ${DEFAULT-VALUE})")
  long maxMb = 1024;

  CaptureSettings rules(CommandSpec spec) {
    return triggers.settings(spec);
  }

  /** The keeper, or null when every rule is off; bad values are usage errors (exit 2). */
  CaptureKeeper open(CommandSpec spec, Path session) throws IOException {
    if (maxCount < 1 || maxMb < 1) {
      throw new ParameterException(spec.commandLine(), "--capture-max-count and --capture-max-mb must be 1 or more"
          + " (turn captures off with --trigger off)");
    }
    URI url = null;
    if (profileUrl != null && !profileUrl.isBlank()) {
      try {
        url = URI.create(profileUrl.endsWith("/") ? profileUrl : profileUrl + "/");
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
          throw new IllegalArgumentException("not an http(s) URL");
        }
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--profile-url " + profileUrl
            + ": give vLLM's server address, e.g. http://127.0.0.1:8000 (" + e.getMessage() + ")");
      }
    }
    if (rules(spec).rules().isEmpty()) {
      return null;
    }
    return CaptureKeeper.open(session, new CaptureKeeper.Limits(maxCount, maxMb << 20), url, System.err);
  }
}
