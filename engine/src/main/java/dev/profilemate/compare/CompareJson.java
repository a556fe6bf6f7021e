package dev.profilemate.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The comparison as plain maps: written with --json, and the data island of the HTML page. */
final class CompareJson {
  private CompareJson() {}

  static Map<String, Object> of(List<Comparison> comparisons, Bootstrap bootstrap, String sweepKey) {
    Map<String, Object> m = new LinkedHashMap<>();
    SessionSamples base = comparisons.getFirst().base();
    m.put("baseline", base.name());
    m.put("resamples", bootstrap.resamples());
    m.put("sweep", sweepKey);
    if (sweepKey != null) {
      List<Object> values = new ArrayList<>();
      values.add(Sweep.value(base, sweepKey));
      comparisons.forEach(c -> values.add(Sweep.value(c.other(), sweepKey)));
      m.put("sweep_values", values);
    }
    List<Object> sessions = new ArrayList<>();
    for (Comparison c : comparisons) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("name", c.other().name());
      s.put("comparable", c.check().comparable());
      s.put("mismatches", c.check().mismatches());
      s.put("settings_changed", c.check().settings());
      List<Object> changes = new ArrayList<>();
      for (Comparison.Change ch : c.changes()) {
        Bootstrap.Interval i = ch.interval();
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("metric", ch.metric().key);
        x.put("label", ch.metric().label);
        x.put("unit", ch.metric().unit);
        x.put("latency_part", ch.metric().isPart());
        x.put("better", ch.metric().better.name().toLowerCase(java.util.Locale.ROOT));
        x.put("baseline", finite(i.a()));
        x.put("value", finite(i.b()));
        x.put("change", finite(i.change()));
        x.put("ci_low", finite(i.low()));
        x.put("ci_high", finite(i.high()));
        x.put("verdict", ch.verdict());
        x.put("n_baseline", i.na());
        x.put("n", i.nb());
        changes.add(x);
      }
      s.put("changes", changes);
      sessions.add(s);
    }
    m.put("sessions", sessions);
    return m;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
