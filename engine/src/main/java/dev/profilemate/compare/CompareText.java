package dev.profilemate.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The terminal table: per session against the baseline, comparability first, then the changes. */
final class CompareText {
  private CompareText() {}

  static String render(List<Comparison> comparisons, Bootstrap bootstrap) {
    StringBuilder out = new StringBuilder();
    SessionSamples base = comparisons.getFirst().base();
    out.append("baseline ").append(base.name()).append(": ").append(size(base)).append('\n');
    for (Comparison c : comparisons) {
      out.append('\n').append(c.other().name()).append(": ").append(size(c.other())).append('\n');
      if (c.check().comparable()) {
        out.append("  comparable: same model, vLLM, GPU and workload shape\n");
      } else {
        out.append("  NOT COMPARABLE: ").append(String.join("; ", c.check().mismatches())).append('\n');
      }
      if (!c.check().settings().isEmpty()) {
        out.append("  settings changed: ").append(String.join(", ", c.check().settings())).append('\n');
      }
      table(out, rows(c, false, "metric"));
      List<String[]> parts = rows(c, true, "latency part (mean per request)");
      if (parts.size() > 1) {
        out.append("  what moved inside TTFT and ITL (latency_parts.csv, docs/latency.md):\n");
        table(out, parts);
      }
    }
    out.append(String.format(Locale.ROOT, "%nchanges: this session's figure over the baseline's; 95 %% CI from %d bootstrap "
        + "resamples (largest changes first; \"no clear change\": the interval holds 0)%n", bootstrap.resamples()));
    return out.toString();
  }

  private static List<String[]> rows(Comparison c, boolean parts, String first) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {first, "baseline", "this", "change", "95% CI", ""});
    for (Comparison.Change ch : c.changes()) {
      if (ch.metric().isPart() == parts) {
        Bootstrap.Interval i = ch.interval();
        rows.add(new String[] {ch.metric().key, value(i.a()), value(i.b()), pct(i.change()), ci(i), ch.verdict()});
      }
    }
    return rows;
  }

  private static String size(SessionSamples s) {
    return String.format(Locale.ROOT, "%,d finished requests, %,d steps", s.of(Sample.TTFT_MS).length,
        s.of(Sample.BATCH_FILL_PCT).length);
  }

  private static void table(StringBuilder out, List<String[]> rows) {
    int[] w = new int[rows.getFirst().length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < r.length; i++) {
        String cell = r[i];
        boolean left = i == 0 || i == r.length - 1;
        line.append(left ? cell + " ".repeat(w[i] - cell.length()) : " ".repeat(w[i] - cell.length()) + cell).append("  ");
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }

  static String value(double v) {
    if (!Double.isFinite(v)) {
      return "-";
    }
    double a = Math.abs(v);
    return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.4f", v);
  }

  static String pct(double change) {
    return String.format(Locale.ROOT, "%+.1f %%", change * 100);
  }

  static String ci(Bootstrap.Interval i) {
    return String.format(Locale.ROOT, "[%+.1f, %+.1f] %%", i.low() * 100, i.high() * 100);
  }

  static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
