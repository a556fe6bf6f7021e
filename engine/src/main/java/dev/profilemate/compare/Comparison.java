package dev.profilemate.compare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One session against the baseline: the comparability check, then every metric both sessions
 * have, the largest changes first — those whose interval leaves out "no change" before those
 * within noise.
 */
record Comparison(SessionSamples base, SessionSamples other, Comparability check, List<Change> changes) {

  record Change(Metric metric, Bootstrap.Interval interval) {
    /** "better", "worse", "changed" (a figure with no better side), or "no clear change". */
    String verdict() {
      if (!interval.significant()) {
        return "no clear change";
      }
      double w = metric.worsening(interval.change());
      return metric.better == Metric.Better.NEITHER ? "changed" : w > 0 ? "worse" : "better";
    }
  }

  static Comparison of(SessionSamples base, SessionSamples other, Bootstrap bootstrap) {
    List<Change> changes = new ArrayList<>();
    for (Metric m : Metric.values()) {
      double[] a = base.of(m.sample);
      double[] b = other.of(m.sample);
      if (a.length == 0 || b.length == 0) {
        continue; // not recorded in one of them (forward passes on a CPU run)
      }
      Bootstrap.Interval i = bootstrap.change(m.stat, a, base.spanSec(), b, other.spanSec(), m.ordinal());
      if (!Double.isNaN(i.change())) {
        changes.add(new Change(m, i));
      }
    }
    changes.sort(Comparator.comparing((Change c) -> !c.interval().significant())
        .thenComparing(c -> -Math.abs(c.interval().change())));
    return new Comparison(base, other, Comparability.check(base, other), List.copyOf(changes));
  }

  Change change(Metric m) {
    return changes.stream().filter(c -> c.metric() == m).findFirst().orElse(null);
  }
}
