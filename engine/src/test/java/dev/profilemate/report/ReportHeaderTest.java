package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.TimeZone;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page's title is the model and the session's start in readable local time: never the model's
 * temporary folder, never the wall-clock anchor's nanoseconds.
 */
class ReportHeaderTest {

  private static String render(BuiltSession b, Path dir, String zone) throws IOException {
    TimeZone before = TimeZone.getDefault();
    try {
      TimeZone.setDefault(TimeZone.getTimeZone(zone));
      return HtmlReport.render(Report.of(b.write(dir), null));
    } finally {
      TimeZone.setDefault(before);
    }
  }

  private static String title(String html) {
    Matcher m = Pattern.compile("<title>(.*?)</title>").matcher(html);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  void titleIsTheModelAndTheStartInLocalTime(@TempDir Path tmp) throws IOException {
    BuiltSession b = new BuiltSession(); // started 2026-12-05T17:10:21.825742402Z
    b.engine().put("model", "/tmp/vllm-testbed-model-0k6lq75q").put("served_model_name",
        "/tmp/vllm-testbed-model-0k6lq75q");
    String html = render(b, tmp.resolve("session_built"), "Europe/Berlin");
    assertThat(title(html)).isEqualTo("ProfileMate report: vllm-testbed-model-0k6lq75q · 2026-12-05 18:10:21 CET");
    String header = html.substring(html.indexOf("<header"), html.indexOf("</header>"));
    assertThat(header).contains("2026-12-05 18:10:21 CET").doesNotContain("825742402").doesNotContain("T17:10:21");
    assertThat(header).contains("model files /tmp/vllm-testbed-model-0k6lq75q"); // still said, once, below
  }

  @Test
  void aHubIdStaysAsItIs(@TempDir Path tmp) throws IOException {
    BuiltSession b = new BuiltSession();
    b.engine().put("model", "meta-llama/Llama-3.1-8B-Instruct");
    assertThat(title(render(b, tmp.resolve("session_built"), "UTC")))
        .isEqualTo("ProfileMate report: meta-llama/Llama-3.1-8B-Instruct · 2026-12-05 17:10:21 UTC");
  }

  @Test
  void modelFoldersAreNamedByTheirLastPartOrTheirHubRepository() {
    assertThat(ModelName.of("/models/Qwen3-30B-A3B/")).isEqualTo("Qwen3-30B-A3B");
    assertThat(ModelName.of("/root/.cache/huggingface/hub/models--meta-llama--Llama-3.1-8B/snapshots/0e9e39f"))
        .isEqualTo("meta-llama/Llama-3.1-8B");
    assertThat(ModelName.of("facebook/opt-125m")).isEqualTo("facebook/opt-125m");
    assertThat(ModelName.of("")).isEqualTo("unknown model");
  }

  @Test
  void startTimesReadAsInstantsOrEpochNanoseconds() {
    ZoneId utc = ZoneId.of("UTC");
    assertThat(ReadableTime.local("2026-12-05T17:10:21.825742402Z", utc)).isEqualTo("2026-12-05 17:10:21 UTC");
    assertThat(ReadableTime.local("1796490621825742402", utc)).isEqualTo("2026-12-05 17:10:21 UTC");
    assertThat(ReadableTime.local("not a time", utc)).isEmpty();
  }
}
