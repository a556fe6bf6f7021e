package dev.profilemate.compare;

import java.util.Locale;

/**
 * --fail-on-regression METRIC=PCT: the run fails when METRIC got worse by more than PCT percent
 * and its 95 % interval leaves out "no change" (noise alone never fails a CI job).
 */
public record RegressionLimit(Metric metric, double pct) {

  /** Parses METRIC=PCT; the message of the exception names the known metrics. */
  public static RegressionLimit parse(String text) {
    int eq = text.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("'" + text + "' is not METRIC=PCT (e.g. ttft_p99_ms=10)");
    }
    String key = text.substring(0, eq).strip();
    Metric m = Metric.byKey(key);
    if (m == null) {
      throw new IllegalArgumentException("unknown metric '" + key + "'; known: " + String.join(", ", keys()));
    }
    if (m.better == Metric.Better.NEITHER) {
      throw new IllegalArgumentException(key + " describes the load and has no better side; give one of "
          + String.join(", ", keys()));
    }
    double pct;
    try {
      pct = Double.parseDouble(text.substring(eq + 1).strip().replace("%", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text.substring(eq + 1) + "' is not a percentage (e.g. 10 or 2.5)");
    }
    if (!(pct >= 0)) {
      throw new IllegalArgumentException("the percentage must be 0 or more, not " + text.substring(eq + 1));
    }
    return new RegressionLimit(m, pct);
  }

  static java.util.List<String> keys() {
    return java.util.Arrays.stream(Metric.values()).filter(m -> m.better != Metric.Better.NEITHER).map(m -> m.key).toList();
  }

  /** The line saying this limit was crossed, or null when it holds. */
  String crossed(Comparison c) {
    Comparison.Change ch = c.change(metric);
    if (ch == null || !ch.interval().significant()) {
      return null;
    }
    double worse = metric.worsening(ch.interval().change()) * 100;
    if (worse <= pct) {
      return null;
    }
    return String.format(Locale.ROOT, "regression: %s worse by %.1f %% (95 %% CI %s) in %s, limit %s %%",
        metric.key, worse, CompareText.ci(ch.interval()),
        c.other().name(), CompareText.trim(pct));
  }
}
