package dev.profilemate.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/otlp.md's metric table is exactly the metrics StepMetrics sends: names, instruments, attributes, descriptions. */
class OtlpDocsTest {
  @Test
  void theMetricTableIsTheMetricsSent() throws Exception {
    String doc = Files.readString(TestPaths.repoRoot().resolve("docs/otlp.md"));
    Set<String> documented = new TreeSet<>();
    // | `name` | instrument | `attribute` | description |, backticks aside
    Matcher m = Pattern.compile("(?m)^\\| `(profilemate_\\w+)` \\| (\\w+) \\| ([^|]*)\\| ([^|]*) \\|$").matcher(doc);
    while (m.find()) {
      documented.add(String.join(" | ", m.group(1), m.group(2), m.group(3).replace("`", "").strip(),
          m.group(4).replace("`", "")));
    }
    Set<String> sent = new TreeSet<>();
    StepMetrics.NAMES.forEach(n -> sent.add(String.join(" | ", n)));
    assertThat(documented).isEqualTo(sent);
  }
}
