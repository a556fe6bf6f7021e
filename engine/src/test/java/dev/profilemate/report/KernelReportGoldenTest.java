package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Locks the kernel part of the report's data island ({@code analyses.kernels} and the
 * recommendations drawn from it) for the golden session joined with each real kernel fixture.
 * Regenerate with -Dprofilemate.updateGolden=true only for a reviewed change of an analysis.
 */
class KernelReportGoldenTest {
  private static final Path DIR = Path.of("src/test/resources/golden/report");

  /** What is locked: the kernel sections' data and the kernel recommendations, as the island writes them. */
  record KernelIsland(KernelAnalysis kernels, List<Recommendation> recommendations) {
    static KernelIsland of(Report r) {
      return new KernelIsland(r.analyses().kernels(), r.recommendations().stream()
          .filter(x -> x.topic().matches(".*\\((nsys|trace|ncu)\\)$")).toList());
    }
  }

  static KernelInputs inputs(String name) {
    return switch (name) {
      case "nsys-node" -> new KernelInputs(KernelInputFiles.nsysNode(), null, null);
      case "nsys-graph" -> new KernelInputs(KernelInputFiles.nsysGraph(), null, null);
      case "ncu-first45-raw" -> new KernelInputs(null, KernelInputFiles.ncuRaw(), null);
      case "trace-tinyllama" -> new KernelInputs(null, null, KernelInputFiles.trace());
      default -> throw new IllegalArgumentException(name);
    };
  }

  @ParameterizedTest
  @CsvSource({"nsys-node,ROOT", "nsys-graph,ROOT", "ncu-first45-raw,ROOT", "trace-tinyllama,ROOT", "nsys-node,de-DE",
      "ncu-first45-raw,de-DE"})
  void kernelPartOfTheIslandIsLocked(String name, String locale) throws IOException {
    Locale before = Locale.getDefault();
    String json;
    try {
      Locale.setDefault(Locale.forLanguageTag(locale.equals("ROOT") ? "und" : locale));
      json = ReportJson.write(KernelIsland.of(Report.of(TestSessions.GOLDEN, null, inputs(name))));
    } finally {
      Locale.setDefault(before);
    }
    Path locked = DIR.resolve("kernels-" + name + ".json");
    if (Boolean.getBoolean("profilemate.updateGolden")) {
      Files.createDirectories(DIR);
      Files.writeString(locked, json);
    }
    assertThat(json).isEqualTo(Files.readString(locked));
  }

  @Test
  void theIslandCarriesTheKernelPartUnderAnalyses() {
    Report r = Report.of(TestSessions.GOLDEN, null, inputs("nsys-node"));
    String island = HtmlReport.dataJson(r);
    // the kernel part sits inside the island's analyses object, written by the same writer
    assertThat(island).contains("\"kernels\" : {").contains("\"top_kernels\" : [")
        .contains("\"source\" : \"nsys\"");
  }

  @Test
  void withoutKernelInputsTheSectionsSayWhatToPass() {
    KernelAnalysis k = Report.of(TestSessions.GOLDEN, null).analyses().kernels();
    assertThat(k.status().recorded()).isFalse();
    assertThat(k.status().reason()).contains("--nsys").contains("--trace");
    assertThat(k.timelines()).isEmpty();
    assertThat(k.roofline().status().recorded()).isFalse();
    assertThat(k.roofline().status().reason()).contains("--ncu");
    String html = HtmlReport.render(Report.of(TestSessions.GOLDEN, null));
    assertThat(html).contains("GPU kernel timeline not recorded.").contains("Per-kernel bandwidth and roofline not recorded.");
  }

  @Test
  void hostileKernelNamesAreEscapedInHtmlAndInTheIsland(@TempDir Path tmp) throws Exception {
    String baseline = HtmlReport.render(Report.of(TestSessions.GOLDEN, null, new KernelInputs(
        KernelInputFiles.nsysNode(), KernelInputFiles.ncuRaw(), KernelInputFiles.trace())));
    Report r = Report.of(TestSessions.GOLDEN, null, new KernelInputs(KernelInputFiles.hostileNsys(tmp),
        KernelInputFiles.hostileNcu(tmp), KernelInputFiles.hostileTrace(tmp)));
    String html = HtmlReport.render(r);
    assertThat(count(html, "<script")).isEqualTo(count(baseline, "<script"));
    assertThat(count(html, "</script")).isEqualTo(count(baseline, "</script"));
    assertThat(count(html, "<img")).isEqualTo(count(baseline, "<img"));
    // text: < > & escaped; attributes (title): quotes too
    assertThat(html.contains("<strong>&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x "
        + "onerror=\"window.__pwned=2\"&gt;'nvjet")).isTrue();
    assertThat(html.contains("title=\"&lt;script>window.__pwned=1&lt;/script>&lt;img src=x onerror=&#34;window.__pwned=2&#34;>"
        + "&#39;nvjet")).isTrue();
    String island = HtmlReport.dataJson(r);
    assertThat(island).doesNotContain("<").doesNotContain(">").contains("\\u003Cscript\\u003Ewindow.__pwned=1");
    assertThat(r.analyses().kernels().timelines()).allSatisfy(t -> assertThat(t.topKernels())
        .anySatisfy(k -> assertThat(k.name()).startsWith(KernelInputFiles.HOSTILE)));
    assertThat(r.analyses().kernels().roofline().topKernels())
        .anySatisfy(k -> assertThat(k.name()).startsWith(KernelInputFiles.HOSTILE));
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
