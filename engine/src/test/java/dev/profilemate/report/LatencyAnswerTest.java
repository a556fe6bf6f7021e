package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's "Why TTFT / ITL" answer from latency_summary.json, and what it says without one. */
class LatencyAnswerTest {
  private static Path session(Path tmp, String summary) throws IOException {
    Path s = Files.createDirectories(tmp.resolve("session_x"));
    Files.writeString(s.resolve("metadata.json"), "{}");
    if (summary != null) {
      Files.writeString(s.resolve("latency_summary.json"), summary);
    }
    return s;
  }

  @Test
  void theAnswerKeepsThePartsInTheOrderTheyAddUp(@TempDir Path tmp) throws IOException {
    LatencyAnswer a = LatencyAnswer.of(SessionData.read(session(tmp, """
        {"ttft": {"p99": {"mean_ms": 10, "requests": 1, "dominant": "queue_wait", "dominant_cause": "max_num_seqs",
          "why": "71 % queue wait; ...", "parts_ms": {"between_chunks": 0, "preemption": 0, "prefill_compute": 2.9,
          "queue_wait": 7.1}}}, "itl": {}, "notes": ["api_output not measured"]}
        """)));
    assertThat(a.status().recorded()).isTrue();
    assertThat(a.ttft()).singleElement().satisfies(l -> {
      assertThat(l.percentile()).isEqualTo("p99");
      assertThat(l.partsMs()).containsExactly(java.util.Map.entry("queue_wait", 7.1),
          java.util.Map.entry("prefill_compute", 2.9), java.util.Map.entry("between_chunks", 0.0),
          java.util.Map.entry("preemption", 0.0));
      assertThat(l.dominantCause()).isEqualTo("max_num_seqs");
    });
    assertThat(a.itl()).isEmpty();
    assertThat(a.notes()).containsExactly("api_output not measured");
  }

  @Test
  void aSessionExportedBeforeSaysToExportAgain(@TempDir Path tmp) throws IOException {
    LatencyAnswer a = LatencyAnswer.of(SessionData.read(session(tmp, null)));
    assertThat(a.status().recorded()).isFalse();
    assertThat(a.status().reason()).contains("exported before the latency decomposition existed")
        .contains("profilemate export");
  }

  @Test
  void aDamagedSummaryIsOneLineNamingTheFileAndTheRestOfTheReportStillComes(@TempDir Path tmp) throws IOException {
    Path s = session(tmp, "{\"ttft\": {");
    LatencyAnswer a = LatencyAnswer.of(SessionData.read(s));
    assertThat(a.status().recorded()).isFalse();
    assertThat(a.status().reason()).contains("latency_summary.json: not valid JSON").doesNotContain("\n");
    assertThat(HtmlReport.render(Report.of(s, null))).contains("Latency decomposition not recorded.");
  }
}
