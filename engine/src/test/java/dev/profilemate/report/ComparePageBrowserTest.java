package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.profilemate.cli.Run;
import dev.profilemate.compare.CompareCommandTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compare's sweep page in real headless Chromium (as {@link ReportBrowserTest}): no errors, a chart per metric drawn, nothing fetched. */
@Tag("browser")
class ComparePageBrowserTest {
  @Test
  void theSweepPageDrawsEveryChart(@TempDir Path tmp) throws IOException {
    if (!Files.isExecutable(ReportBrowserTest.chromium())) {
      if ("true".equals(System.getenv("CI"))) {
        fail(ReportBrowserTest.chromium() + " is missing in CI: scripts/install_chromium.sh must run first");
      }
      assumeTrue(false, "chromium not installed (scripts/install_chromium.sh)");
    }
    List<String> args = new ArrayList<>(List.of("compare"));
    for (int seqs : new int[] {8, 16, 32}) {
      args.add(CompareCommandTest.session(tmp.resolve("s" + seqs), seqs, 200, 2000.0 / seqs, 10, "0.33.0", seqs).toString());
    }
    Path html = tmp.resolve("sweep.html");
    args.addAll(List.of("--sweep", "max_num_seqs", "--html", html.toString()));
    assertThat(Run.of(args.toArray(String[]::new)).code()).isZero();
    try (Playwright pw = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        Browser browser = pw.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(ReportBrowserTest.chromium())
            .setHeadless(true).setArgs(ReportBrowserTest.CHROMIUM_ARGS))) {
      Page page = browser.newPage();
      List<String> errors = new ArrayList<>();
      List<String> requests = new ArrayList<>();
      page.onConsoleMessage(m -> {
        if ("error".equals(m.type())) {
          errors.add(m.text());
        }
      });
      page.onPageError(errors::add);
      page.onRequest(r -> {
        if (!r.url().startsWith("file:")) {
          requests.add(r.url());
        }
      });
      page.navigate(html.toUri().toString());
      assertThat(page.evaluate("window.__errors.length")).isEqualTo(0);
      assertThat(errors).isEmpty();
      assertThat(requests).isEmpty();
      int charts = page.locator("div.chart[data-metric]").count();
      assertThat(charts).isGreaterThanOrEqualTo(10);
      assertThat(page.locator("div.chart[data-metric] canvas").count()).isEqualTo(charts);
      assertThat(page.locator("table.changes").count()).isEqualTo(2);
    }
  }
}
