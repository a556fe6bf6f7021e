package dev.profilemate.compare;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * compare's pipeline: read each session, order a sweep, compare each with the baseline, write the
 * text (returned), and the JSON and HTML files when asked; the regression lines come back for
 * the command's exit status.
 *
 * @param text the terminal table
 * @param regressions one line per --fail-on-regression limit crossed
 */
public record CompareRun(String text, List<String> regressions, List<Path> written) {
  /** compare's defaults, shared with the report's comparison against a baseline. */
  public static final int DEFAULT_RESAMPLES = Bootstrap.RESAMPLES;
  public static final long DEFAULT_SEED = 1;

  public record Options(String sweepKey, Path json, Path html, List<RegressionLimit> limits, int resamples, long seed) {}

  public static CompareRun run(List<Path> sessions, Options o) throws IOException {
    List<SessionSamples> read = new ArrayList<>();
    for (Path p : sessions) {
      read.add(SessionSamples.read(p));
    }
    if (o.sweepKey() != null) {
      read = Sweep.order(read, o.sweepKey());
    }
    Bootstrap bootstrap = new Bootstrap(o.resamples(), o.seed());
    List<Comparison> comparisons = new ArrayList<>();
    for (SessionSamples s : read.subList(1, read.size())) {
      comparisons.add(Comparison.of(read.getFirst(), s, bootstrap));
    }
    List<String> regressions = new ArrayList<>();
    for (Comparison c : comparisons) {
      for (RegressionLimit l : o.limits()) {
        String line = l.crossed(c);
        if (line != null) {
          regressions.add(line);
        }
      }
    }
    Map<String, Object> json = CompareJson.of(comparisons, bootstrap, o.sweepKey());
    List<Path> written = new ArrayList<>();
    if (o.json() != null) {
      try (OutputStream out = java.nio.file.Files.newOutputStream(o.json())) {
        dev.profilemate.common.Json.write(out, json);
      }
      written.add(o.json());
    }
    if (o.html() != null) {
      java.nio.file.Files.writeString(o.html(), CompareHtml.render(comparisons, json, o.sweepKey()));
      written.add(o.html());
    }
    return new CompareRun(CompareText.render(comparisons, bootstrap), List.copyOf(regressions), List.copyOf(written));
  }
}
