package dev.profilemate.compare;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import dev.profilemate.common.PageParts;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The comparison as one self-contained HTML page (the report's CSS and ECharts inlined, nothing
 * fetched): a chart per metric across the sessions when there are more than two (a sweep), then
 * each session's table. The template is precompiled into this package (src/main/jte-compare).
 */
public final class CompareHtml {
  private static final TemplateEngine ENGINE =
      TemplateEngine.createPrecompiled(null, ContentType.Html, CompareHtml.class.getClassLoader(), "dev.profilemate.compare");

  private CompareHtml() {}

  /** One session's table; rows: metric, baseline, this, change, CI, verdict, label. */
  public record Section(String name, boolean comparable, String status, String settings, List<List<String>> rows) {}

  static String render(List<Comparison> comparisons, Map<String, Object> json, String sweepKey) {
    List<Section> sections = new ArrayList<>();
    for (Comparison c : comparisons) {
      List<List<String>> rows = new ArrayList<>();
      for (Comparison.Change ch : c.changes()) {
        Bootstrap.Interval i = ch.interval();
        rows.add(List.of(ch.metric().key, CompareText.value(i.a()), CompareText.value(i.b()), CompareText.pct(i.change()),
            CompareText.ci(i), ch.verdict(), ch.metric().label + " (" + ch.metric().unit + ")"));
      }
      sections.add(new Section(c.other().name() + " vs " + c.base().name(), c.check().comparable(),
          c.check().comparable() ? "comparable: same model, vLLM, GPU and workload shape"
              : "NOT COMPARABLE: " + String.join("; ", c.check().mismatches()),
          String.join(", ", c.check().settings()), rows));
    }
    LinkedHashSet<String> charts = new LinkedHashSet<>();
    if (comparisons.size() > 1) {
      for (Metric m : Metric.values()) {
        if (comparisons.stream().allMatch(c -> c.change(m) != null)) {
          charts.add(m.key);
        }
      }
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("title", "ProfileMate compare" + (sweepKey != null ? ": sweep of " + sweepKey : "") + ", baseline "
        + comparisons.getFirst().base().name());
    params.put("sections", sections);
    params.put("charts", List.copyOf(charts));
    params.put("css", PageParts.resource("/profilemate/report/report.css"));
    params.put("echartsJs", PageParts.scriptSafe(PageParts.resource("/profilemate/web/echarts.min.js")));
    params.put("dataJson", PageParts.scriptSafe(json(json)));
    StringOutput out = new StringOutput();
    ENGINE.render("compare.jte", params, out);
    return out.toString();
  }

  private static String json(Map<String, Object> value) {
    try {
      return dev.profilemate.common.Json.mapper().writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
