package dev.profilemate.compare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One session against a baseline, as the report opens with it ("did my change help?"): the
 * comparability check, then the metrics and the latency parts whose 95 % interval leaves out "no
 * change", largest first. Computed by compare's own pipeline with its default resamples and seed,
 * so {@code profilemate compare BASELINE SESSION} prints the same figures.
 *
 * @param baseline the baseline session's folder name
 * @param metrics metrics that changed clearly (TTFT, TPOT, throughput, ...), largest first
 * @param parts latency parts that changed clearly: what moved inside TTFT and ITL
 * @param unchanged metrics (parts included) both sessions have whose interval holds 0
 */
public record BaselineChanges(String baseline, List<String> mismatches, List<String> settings, List<Row> metrics,
    List<Row> parts, int unchanged, int resamples) {

  /** One clearly changed figure; change, low and high are this session's figure over the baseline's, minus 1. */
  public record Row(String metric, String label, String unit, double baselineValue, double value, double change,
      double low, double high, String verdict) {}

  public boolean comparable() {
    return mismatches.isEmpty();
  }

  public static BaselineChanges of(Path baseline, Path session) {
    Bootstrap bootstrap = new Bootstrap(CompareRun.DEFAULT_RESAMPLES, CompareRun.DEFAULT_SEED);
    Comparison c = Comparison.of(SessionSamples.read(baseline), SessionSamples.read(session), bootstrap);
    List<Row> metrics = new ArrayList<>();
    List<Row> parts = new ArrayList<>();
    int unchanged = 0;
    for (Comparison.Change ch : c.changes()) {
      Bootstrap.Interval i = ch.interval();
      if (!i.significant()) {
        unchanged++;
        continue;
      }
      Metric m = ch.metric();
      (m.isPart() ? parts : metrics).add(
          new Row(m.key, m.label, m.unit, i.a(), i.b(), i.change(), i.low(), i.high(), ch.verdict()));
    }
    return new BaselineChanges(c.base().name(), c.check().mismatches(), c.check().settings(), List.copyOf(metrics),
        List.copyOf(parts), unchanged, bootstrap.resamples());
  }
}
