package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Locks the report's analysis JSON (the page's data island) for the golden session. Regenerate
 * with -Dprofilemate.updateGolden=true only for a reviewed change of an analysis.
 */
class ReportGoldenTest {
  private static final Path LOCKED = Path.of("src/test/resources/golden/report/session_golden.report.json");

  @ParameterizedTest
  @ValueSource(strings = {"ROOT", "de-DE"})
  void analysisJsonOfTheGoldenSessionIsLocked(String locale) throws IOException {
    Locale before = Locale.getDefault();
    java.util.TimeZone zoneBefore = java.util.TimeZone.getDefault();
    String json;
    try {
      Locale.setDefault(Locale.forLanguageTag(locale.equals("ROOT") ? "und" : locale));
      java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC")); // the start is shown in local time
      json = HtmlReport.dataJson(Report.of(TestSessions.GOLDEN, null));
    } finally {
      Locale.setDefault(before);
      java.util.TimeZone.setDefault(zoneBefore);
    }
    if (Boolean.getBoolean("profilemate.updateGolden")) {
      Files.createDirectories(LOCKED.getParent());
      Files.writeString(LOCKED, json);
    }
    assertThat(json).isEqualTo(Files.readString(LOCKED));
  }

  @Test
  void pageIsSelfContainedAndEmbedsTheIslandVerbatim() {
    Report r = Report.of(TestSessions.GOLDEN, null);
    String html = HtmlReport.render(r);
    assertThat(html.contains("<script type=\"application/json\" id=\"report-data\">" + HtmlReport.dataJson(r)
        + "</script>")).as("data island embedded verbatim").isTrue();
    // outside the inlined scripts, nothing may load a resource
    String markup = html.replaceAll("(?s)<script([^>]*)>.*?</script>", "<script$1></script>");
    assertThat(markup).doesNotContainPattern("(?i)\\ssrc=").doesNotContainPattern("(?i)<link[\\s>]")
        .doesNotContainPattern("(?i)<img[\\s>]").doesNotContainPattern("(?i)<iframe[\\s>]")
        .doesNotContainPattern("(?i)url\\(");
    assertThat(html.contains("window.__reportReady = true")).isTrue();
    assertThat(html.length()).isGreaterThan(1_000_000); // ECharts itself is inlined
    // every chart div is named; each name has a drawer in report.js
    Matcher m = Pattern.compile("data-chart=\"([a-z_]+)\"").matcher(html);
    int charts = 0;
    while (m.find()) {
      charts++;
      assertThat(html.contains("    " + m.group(1) + ": function ()")).as("drawer for " + m.group(1)).isTrue();
    }
    assertThat(charts).isEqualTo(15); // all but MFU (the golden metadata has no model config)
  }

  @Test
  void hostileNamesAreEscapedInHtmlAndInTheIsland(@TempDir Path tmp) throws IOException {
    String baseline = HtmlReport.render(Report.of(TestSessions.GOLDEN, null));
    Path s = TestSessions.copyOfGolden(tmp);
    TestSessions.editMetadata(s, m -> ((com.fasterxml.jackson.databind.node.ObjectNode) m.get("engine"))
        .put("model", "<script>window.__pwned=1</script><b>&amp;x\u2028</b>"));
    for (String f : new String[] {"request_lifecycle.csv", "preemption_events.csv"}) {
      TestSessions.replaceIn(s.resolve(f), "req-b", "<script>alert(1)</script>req-b");
    }
    Report r = Report.of(s, null);
    String html = HtmlReport.render(r);
    assertThat(count(html, "<script")).isEqualTo(count(baseline, "<script"));
    assertThat(count(html, "</script")).isEqualTo(count(baseline, "</script"));
    assertThat(html.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;b&gt;&amp;amp;x")).isTrue();
    assertThat(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;req-b")).isTrue();
    assertThat(html.contains("<script>window.__pwned") || html.contains("<script>alert(1)")).isFalse();
    String island = HtmlReport.dataJson(r);
    assertThat(island).doesNotContain("<").doesNotContain(">").doesNotContain("\u2028")
        .contains("\\u003Cscript\\u003Ewindow.__pwned=1").contains("\\u2028");
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
