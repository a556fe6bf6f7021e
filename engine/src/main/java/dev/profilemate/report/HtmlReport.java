package dev.profilemate.report;

import dev.profilemate.common.PageParts;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Renders a {@link Report} as one self-contained HTML file: the precompiled jte template (every
 * {@code ${}} is HTML-escaped), the CSS, ECharts and the report script inlined, and the report as
 * a JSON data island. Nothing is fetched when the page opens.
 */
public final class HtmlReport {
  private static final TemplateEngine ENGINE =
      TemplateEngine.createPrecompiled(null, ContentType.Html, HtmlReport.class.getClassLoader(),
          "dev.profilemate.report");

  private HtmlReport() {}

  public static String render(Report report) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("report", report);
    params.put("css", PageParts.resource("/profilemate/report/report.css"));
    params.put("echartsJs", PageParts.scriptSafe(PageParts.resource("/profilemate/web/echarts.min.js")));
    params.put("reportJs", PageParts.scriptSafe(PageParts.resource("/profilemate/report/report.js")));
    params.put("dataJson", dataJson(report));
    StringOutput out = new StringOutput();
    ENGINE.render("report.jte", params, out);
    return out.toString();
  }

  /** The data island exactly as embedded in the page. */
  public static String dataJson(Report report) {
    return ReportJson.write(report);
  }
}
