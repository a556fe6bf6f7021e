package dev.profilemate.report;

import dev.profilemate.common.Num;
import dev.profilemate.compare.BaselineChanges;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's "did it help?": this session against a baseline session (report --baseline), by
 * compare's own figures (bootstrap 95 % intervals), so the report and {@code profilemate compare}
 * never disagree. Without a baseline it says how to get one.
 *
 * @param changes null unless recorded
 */
record ChangeAnswer(SectionStatus status, BaselineChanges changes) {
  /** How many clearly changed figures the one-line answer names. */
  static final int HEADLINE_FIGURES = 3;

  static ChangeAnswer of(SessionData s, Path baseline) {
    if (baseline == null) {
      return new ChangeAnswer(SectionStatus.notRecorded("no baseline session given: profilemate report SESSION "
          + "--baseline OTHER_SESSION opens the report with what changed against it (profilemate compare A B prints "
          + "the same figures)"), null);
    }
    if (s.dir() == null) {
      return new ChangeAnswer(SectionStatus.notRecorded(SectionStatus.NO_SESSION), null);
    }
    return new ChangeAnswer(SectionStatus.RECORDED, BaselineChanges.of(baseline, s.dir()));
  }

  /** One sentence: comparability, the largest clear changes, what moved inside TTFT / ITL. */
  String headline() {
    if (changes == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    if (!changes.comparable()) {
      out.append("Not comparable (").append(String.join("; ", changes.mismatches())).append("), so read with care. ");
    }
    if (changes.metrics().isEmpty() && changes.parts().isEmpty()) {
      return out.append("Against ").append(changes.baseline()).append(" no figure changed clearly: every 95 % interval ")
          .append("holds 0 (").append(changes.unchanged()).append(" figures compared).").toString();
    }
    out.append("Against ").append(changes.baseline()).append(": ");
    out.append(figures(changes.metrics().isEmpty() ? changes.parts() : changes.metrics()));
    if (!changes.metrics().isEmpty() && !changes.parts().isEmpty()) {
      out.append("; inside TTFT / ITL, ").append(figures(changes.parts()));
    }
    int clear = changes.metrics().size() + changes.parts().size();
    return out.append(String.format(Locale.ROOT, " (%d of %d figures changed clearly).", clear,
        clear + changes.unchanged())).toString();
  }

  /** The largest changes that are better or worse first: a load figure (batch fill, KV usage) only "changed". */
  private static String figures(List<BaselineChanges.Row> rows) {
    List<BaselineChanges.Row> judged = new ArrayList<>(rows);
    judged.sort(java.util.Comparator.comparing(r -> r.verdict().equals("changed"))); // stable: largest first within
    List<String> out = new ArrayList<>();
    for (BaselineChanges.Row r : judged.subList(0, Math.min(HEADLINE_FIGURES, judged.size()))) {
      out.add(r.label() + " " + change(r.change()) + " (" + r.verdict() + ")");
    }
    return String.join(", ", out);
  }

  static String change(double c) {
    return Double.isNaN(c) ? "n/a" : String.format(Locale.ROOT, "%+.1f %%", c * 100);
  }

  static String interval(BaselineChanges.Row r) {
    return "[" + change(r.low()).replace(" %", "") + ", " + change(r.high()).replace(" %", "") + "] %"; // as compare prints it
  }

  static String value(double v, String unit) {
    return Num.g(v) + " " + unit;
  }
}
