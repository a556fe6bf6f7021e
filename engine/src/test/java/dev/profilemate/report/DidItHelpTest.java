package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.cli.Run;
import dev.profilemate.compare.BaselineChanges;
import dev.profilemate.compare.CompareCommandTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report opens with "did it help?" against --baseline, by compare's own figures. */
class DidItHelpTest {

  @Test
  void aSlowerTtftLeadsTheAnswerWithCompareSFigures(@TempDir Path tmp) throws IOException {
    Path before = CompareCommandTest.session(tmp.resolve("before"), 1, 600, 80, 10, "0.33.0", 64);
    Path after = CompareCommandTest.session(tmp.resolve("after"), 2, 600, 120, 10, "0.33.0", 64); // TTFT x1.5
    ChangeAnswer c = Report.of(after, null, KernelInputs.NONE, dev.profilemate.common.GpuCatalogue.bundled(), before)
        .analyses().change();
    assertThat(c.status().recorded()).isTrue();
    List<BaselineChanges.Row> m = c.changes().metrics();
    assertThat(m.subList(0, 3)).allSatisfy(r -> {
      assertThat(r.metric()).startsWith("ttft_");
      assertThat(r.verdict()).isEqualTo("worse");
      assertThat(r.low()).isLessThan(0.5);
      assertThat(r.high()).isGreaterThan(0.5);
    });
    assertThat(m).noneMatch(r -> r.metric().startsWith("tpot_"));
    assertThat(c.headline()).startsWith("Against before: TTFT p").contains("(worse)").doesNotContain("Not comparable");

    // the same figures as profilemate compare prints (its JSON), metric by metric
    Path json = tmp.resolve("c.json");
    Run cmp = Run.of("compare", before.toString(), after.toString(), "--json", json.toString());
    assertThat(cmp.code()).as(cmp.err()).isZero();
    JsonNode changes = new ObjectMapper().readTree(json.toFile()).path("sessions").get(0).path("changes");
    for (BaselineChanges.Row r : m) {
      JsonNode j = null;
      for (JsonNode x : changes) {
        if (x.path("metric").asText().equals(r.metric())) {
          j = x;
        }
      }
      assertThat(j).as(r.metric()).isNotNull();
      assertThat(j.path("verdict").asText()).isEqualTo(r.verdict());
      assertThat(j.path("ci_low").asDouble()).isCloseTo(r.low(), org.assertj.core.data.Offset.offset(1e-6));
      assertThat(j.path("ci_high").asDouble()).isCloseTo(r.high(), org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  @Test
  void theHtmlOpensWithTheAnswersBeforeThePerProfilerSections(@TempDir Path tmp) throws IOException {
    Path before = CompareCommandTest.session(tmp.resolve("before"), 1, 600, 80, 10, "0.33.0", 64);
    Path after = CompareCommandTest.session(tmp.resolve("after"), 2, 600, 120, 10, "0.33.0", 16);
    Run r = Run.of("report", after.toString(), "--baseline", before.toString());
    assertThat(r.code()).as(r.err()).isZero();
    String html = Files.readString(after.resolve("profile_report.html"));
    assertThat(html).containsSubsequence("id=\"why-latency\"", "id=\"did-it-help\"", "Against before: TTFT p",
        "Settings changed: max_num_seqs 64 → 16", "id=\"recommendations\"", "id=\"kv-cache\"");
  }

  @Test
  void withoutABaselineItSaysHowToGetOne(@TempDir Path tmp) throws IOException {
    Path s = CompareCommandTest.session(tmp.resolve("s"), 1, 100, 80, 10, "0.33.0", 64);
    ChangeAnswer c = Report.of(s, null).analyses().change();
    assertThat(c.status().recorded()).isFalse();
    assertThat(c.status().reason()).contains("--baseline OTHER_SESSION");
    assertThat(c.headline()).isEmpty();
  }

  @Test
  void anotherVllmVersionIsSaidFirst(@TempDir Path tmp) throws IOException {
    Path a = CompareCommandTest.session(tmp.resolve("a"), 1, 200, 80, 10, "0.33.0", 64);
    Path b = CompareCommandTest.session(tmp.resolve("b"), 2, 200, 80, 10, "0.34.0", 64);
    ChangeAnswer c = Report.of(b, null, KernelInputs.NONE, dev.profilemate.common.GpuCatalogue.bundled(), a)
        .analyses().change();
    assertThat(c.headline()).startsWith("Not comparable (vLLM 0.33.0 vs 0.34.0)");
  }

  @Test
  void aBadBaselineIsOneLineNamingTheOption(@TempDir Path tmp) throws IOException {
    Path s = CompareCommandTest.session(tmp.resolve("s"), 1, 50, 80, 10, "0.33.0", 64);
    Run missing = Run.of("report", s.toString(), "--baseline", tmp.resolve("nope").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err().strip()).doesNotContain("\n").contains("--baseline").contains("nope");
    Run alone = Run.of("report", "--baseline", s.toString(), "--trace", s.resolve("metadata.json").toString());
    assertThat(alone.code()).isEqualTo(2);
    assertThat(alone.err()).contains("--baseline compares a session with another");
    assertThat(Files.exists(s.resolve("profile_report.html"))).isFalse();
  }
}
