package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.compare.CompareCommandTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's lead answer on the prefix cache, read from prefix_cache_summary.json. */
class PrefixCacheAnswerTest {

  private static Path withSummary(Path tmp, String json) throws IOException {
    Path s = CompareCommandTest.session(tmp.resolve("s"), 1, 100, 80, 10, "0.33.0", 64);
    Files.writeString(s.resolve("prefix_cache_summary.json"), json);
    return s;
  }

  @Test
  void theMostCommonReasonComesFirstWithWhatToDo(@TempDir Path tmp) throws IOException {
    Path s = withSummary(tmp, """
        {"requests": 10, "eligible_blocks": 40, "hit_blocks": 10, "hit_rate_pct": 25.0,
         "misses": {"hit": 2, "never_seen": 1, "evicted": 5, "misaligned": 2},
         "by_class": {"c1": {"requests": 8, "eligible_blocks": 36, "hit_blocks": 10, "hit_rate_pct": 27.777778,
                             "misses": {"hit": 2, "evicted": 5, "misaligned": 1}},
                      "c2": {"requests": 2, "eligible_blocks": 4, "hit_blocks": 0, "hit_rate_pct": 0,
                             "misses": {"never_seen": 1, "misaligned": 1}}}}
        """);
    PrefixCacheTable p = Report.of(s, null).analyses().prefixCache();
    assertThat(p.status().recorded()).isTrue();
    assertThat(p.headline()).isEqualTo("25.0% of the 40 KV blocks a prefix-cache hit could have covered were found "
        + "(10 requests in 2 classes). 8 requests missed: evicted before reuse 5; shared prefix ends inside a block 2; "
        + "never seen 1.");
    assertThat(p.reasons()).extracting(PrefixCacheTable.Reason::reason)
        .containsExactly("evicted", "misaligned", "never_seen");
    assertThat(p.reasons().get(0).action()).contains("--gpu-memory-utilization");
    assertThat(p.classes()).extracting(PrefixCacheTable.Line::requestClass).containsExactly("c1", "c2", "all");

    // the lead sits after "did it help?" and before the recommendations
    String html = Files.readString(ReportWriter.write(s, tmp.resolve("r.html"), null));
    assertThat(html).containsSubsequence("id=\"did-it-help\"", "id=\"prefix-cache-why\"", "evicted before reuse",
        "id=\"recommendations\"", "id=\"kv-cache\"");
  }

  @Test
  void withoutLookupsItSaysWhy(@TempDir Path tmp) throws IOException {
    Path s = CompareCommandTest.session(tmp.resolve("s"), 1, 100, 80, 10, "0.33.0", 64);
    PrefixCacheTable p = Report.of(s, null).analyses().prefixCache();
    assertThat(p.status().recorded()).isFalse();
    assertThat(p.status().reason()).contains("ENABLE_KV_CACHE_TRACKING").contains("doctor");
    assertThat(p.headline()).isEmpty();
    assertThat(p.classes()).isEmpty();
  }
}
