package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.profilemate.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): it
 * loads with no errors, every chart draws, nothing is fetched, hostile names stay text, and a
 * session with only some profilers on still renders. Skipped where Chromium is missing, except
 * in CI (CI=true), where that is a failure: run scripts/install_chromium.sh.
 */
@Tag("browser")
class ReportBrowserTest {
  static final List<String> CHROMIUM_ARGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
      "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync");

  private static Playwright playwright;
  private static Browser browser;

  static Path chromium() {
    return Path.of(System.getProperty("profilemate.chromium", "/usr/bin/chromium"));
  }

  @BeforeAll
  static void startBrowser() {
    if (!Files.isExecutable(chromium())) {
      if ("true".equals(System.getenv("CI"))) {
        fail(chromium() + " is missing in CI: scripts/install_chromium.sh must run first");
      }
      assumeTrue(false, "chromium not installed (scripts/install_chromium.sh)");
    }
    playwright = Playwright.create(new Playwright.CreateOptions()
        .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(chromium()).setHeadless(true).setArgs(CHROMIUM_ARGS));
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
    }
    if (playwright != null) {
      playwright.close();
    }
  }

  /** What one page load showed. */
  record Loaded(Page page, List<String> errors, List<String> requests, List<String> dialogs) {}

  private static Loaded open(Path html) {
    Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1280, 900));
    List<String> errors = new ArrayList<>();
    List<String> requests = new ArrayList<>();
    List<String> dialogs = new ArrayList<>();
    page.onConsoleMessage(m -> {
      if ("error".equals(m.type()) || "warning".equals(m.type())) {
        errors.add("console " + m.type() + ": " + m.text());
      }
    });
    page.onPageError(e -> errors.add("pageerror: " + e));
    page.onRequest(r -> requests.add(r.url()));
    page.onDialog(d -> {
      dialogs.add(d.message());
      d.dismiss();
    });
    page.navigate(html.toUri().toString());
    page.waitForFunction("() => window.__reportReady === true");
    return new Loaded(page, errors, requests, dialogs);
  }

  /** Every chart div has an ECharts instance and a canvas with painted pixels. */
  private static void assertEveryChartDrew(Page page) {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> charts = (List<Map<String, Object>>) page.evaluate("""
        () => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
          const inst = echarts.getInstanceByDom(el);
          const canvases = Array.from(el.querySelectorAll('canvas'));
          let painted = 0;
          for (const c of canvases) {
            if (c.width === 0 || c.height === 0) continue;
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) painted++; }
          }
          const svg = el.querySelectorAll('svg *').length;
          return {name: el.dataset.chart, instance: !!inst, drawn: el.dataset.drawn || '', painted: painted,
                  svg: svg, height: el.getBoundingClientRect().height};
        })""");
    assertThat(charts).isNotEmpty();
    for (Map<String, Object> c : charts) {
      assertThat(c.get("instance")).as("echarts instance of " + c.get("name")).isEqualTo(true);
      assertThat(c.get("drawn")).as("drawn flag of " + c.get("name")).isEqualTo("true");
      assertThat(((Number) c.get("painted")).intValue() + ((Number) c.get("svg")).intValue())
          .as("painted pixels of " + c.get("name")).isGreaterThan(500);
      assertThat(((Number) c.get("height")).doubleValue()).as("height of " + c.get("name")).isGreaterThan(100);
    }
  }

  private static void assertClean(Loaded l, Path html) {
    assertThat(l.errors()).as("console errors and page errors").isEmpty();
    assertThat(l.page().evaluate("() => window.__errors.length")).isEqualTo(0);
    assertThat(l.dialogs()).as("dialogs opened by the page").isEmpty();
    assertThat(l.requests()).as("self-contained: the only request is the file itself")
        .containsExactly(html.toUri().toString());
  }

  @Test
  void goldenReportLoadsCleanlyAndEveryChartDraws(@TempDir Path tmp) throws IOException {
    Path html = ReportWriter.write(TestSessions.GOLDEN, tmp.resolve("golden.html"), null);
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    assertThat(l.page().locator("[data-chart]").count()).isEqualTo(15);
    assertThat(l.page().locator("section[data-recorded=false]").count())
        .as("MFU (no model config), the two kernel sections (no --nsys/--ncu/--trace) and did-it-help (no --baseline)")
        .isEqualTo(4);
    assertThat(l.page().textContent("#did-it-help")).contains("--baseline");
    assertThat(l.page().textContent("#gpu-kernels")).contains("not recorded").contains("--nsys").contains("--trace");
    assertThat(l.page().textContent("#kernel-roofline")).contains("not recorded").contains("--ncu");
    assertThat(l.page().locator(".rec").count()).isGreaterThanOrEqualTo(7);
    Path shot = TestSessions.outDir().resolve("report-golden.png");
    l.page().screenshot(new Page.ScreenshotOptions().setPath(shot).setFullPage(true));
    if (Boolean.getBoolean("profilemate.updateScreenshot")) {
      Path docs = TestPaths.repoRoot().resolve("docs/report-screenshot.png");
      Files.createDirectories(docs.getParent());
      Files.copy(shot, docs, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    l.page().close();
  }

  @Test
  void scriptInAModelNameAndARequestIdShowsAsText(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    String model = "<script>window.__pwned=1;alert('model')</script><img src=x onerror=\"window.__pwned=2\">";
    String request = "<script>window.__pwned=3</script>req-b";
    TestSessions.editMetadata(s, m -> ((ObjectNode) m.get("engine")).put("model", model));
    TestSessions.replaceIn(s.resolve("request_lifecycle.csv"), "req-b", request);
    TestSessions.replaceIn(s.resolve("preemption_events.csv"), "req-b", request);
    Path html = ReportWriter.write(s, tmp.resolve("hostile.html"), null);
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    assertThat(l.page().evaluate("() => window.__pwned === undefined")).isEqualTo(true);
    assertThat(l.page().textContent("#model-name")).isEqualTo(model);
    assertThat(l.page().title()).contains(model);
    assertThat(l.page().textContent("#slow-requests-table")).contains(request);
    assertThat(l.page().locator("img").count()).isZero();
    l.page().close();
  }

  /**
   * Markup that runs if any of it becomes HTML: a script, an attribute break-out with an event
   * handler, and an svg onload; each sets a global and the page title. {@code n} tells the
   * fields apart.
   */
  static String hostile(int n) {
    return "x" + n + "<script>document.title='pwned';window.__pwned=" + n + "</script>"
        + "\"><img src=x onerror=\"document.title='pwned';window.__pwned=" + n + "\">"
        + "'><svg onload=window.__pwned=" + n + ">";
  }

  private static String csvField(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  @Test
  void hostileNamesFromVllmAndTheProbeInEveryTextFieldRunNothing(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    int[] n = {0};
    TestSessions.editMetadata(s, m -> {
      ObjectNode engine = (ObjectNode) m.get("engine");
      for (String k : List.of("model", "served_model_name", "gpu_name", "vllm_version", "dtype", "kv_cache_dtype",
          "cudagraph_mode", "torch_version", "cuda_version", "gpu_memory_utilization", "max_model_len")) {
        engine.put(k, hostile(++n[0]));
      }
      ((ObjectNode) m.get("session")).put("name", hostile(++n[0]));
      m.putArray("hosts").add(hostile(++n[0]));
      for (com.fasterxml.jackson.databind.JsonNode p : m.get("processes")) {
        ((ObjectNode) p).put("role", hostile(++n[0])).put("host", hostile(++n[0])).put("spool", hostile(++n[0]));
      }
      m.putArray("warnings").add(hostile(++n[0]) + "-302.pmspool: the probe's record queue was full");
      ((com.fasterxml.jackson.databind.node.ArrayNode) m.get("profilers_enabled")).add(hostile(++n[0]));
      ObjectNode target = ((ObjectNode) m.get("probe_targets")).putObject("vllm.x:" + hostile(++n[0]));
      target.put("profiler", "cpu_timing").put("state", "failed").put("reason", hostile(++n[0]));
    });
    TestSessions.replaceIn(s.resolve("request_lifecycle.csv"), "req-b", csvField(hostile(++n[0])));
    TestSessions.replaceIn(s.resolve("preemption_events.csv"), "req-b", csvField(hostile(n[0])));
    TestSessions.replaceIn(s.resolve("request_lifecycle.csv"), ",stop,", "," + csvField(hostile(++n[0])) + ",");
    TestSessions.replaceIn(s.resolve("cpu_operations_timing.csv"), "step=0", csvField(hostile(++n[0])));
    TestSessions.replaceIn(s.resolve("encoder_decoder_timing.csv"), "0.500,\n", "0.500," + csvField(hostile(++n[0])) + "\n");
    Path html = ReportWriter.write(s, tmp.resolve("hostile-all.html"), null);
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    Page p = l.page();
    assertThat(p.evaluate("() => window.__pwned === undefined")).as("a payload ran").isEqualTo(true);
    assertThat(p.title()).isNotEqualTo("pwned").startsWith("ProfileMate report: x2<script>");
    assertThat(p.locator("img").count()).isZero();
    assertThat(p.evaluate("() => document.querySelectorAll('[onerror],[onload]').length")).isEqualTo(0);
    // shown as the text it is
    String text = p.textContent("body");
    assertThat(text).contains(hostile(2)).contains(hostile(12)).contains(hostile(20) + "-302.pmspool")
        .contains(hostile(24));
    p.close();
  }

  @Test
  void sessionWithOnlySomeProfilersOnRendersWithNotRecordedSections(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    for (String f : List.of("moe_expert_activations.csv", "moe_expert_coselection.csv", "moe_load_imbalance.csv",
        "moe_routing_weights_hist.csv", "moe_summary.json", "cuda_graph_captures.csv", "cuda_graph_usage.csv",
        "cuda_graph_timeline.csv", "encoder_decoder_timing.csv", "encoder_decoder_summary.json")) {
      TestSessions.delete(s, f);
    }
    TestSessions.headerOnly(s.resolve("forward_pass_timing.csv"));
    TestSessions.headerOnly(s.resolve("cpu_operations_timing.csv"));
    TestSessions.editMetadata(s, m -> {
      ObjectNode cfg = m.putObject("probe_config");
      cfg.put("ENABLE_FORWARD_PASS_TIMING", false);
      cfg.put("ENABLE_CUDA_GRAPH_TRACKING", false);
      m.putArray("profilers_enabled").add("scheduler").add("kv_cache").add("cpu_timing");
    });
    Path html = ReportWriter.write(s, tmp.resolve("partial.html"), null);
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    Page p = l.page();
    assertThat(p.textContent("#step-time")).contains("not recorded")
        .contains("ENABLE_FORWARD_PASS_TIMING is False");
    assertThat(p.textContent("#moe")).contains("not recorded").contains("profilers_enabled");
    assertThat(p.textContent("#encoder-decoder")).contains("not recorded");
    assertThat(p.textContent("#cpu")).contains("not recorded").contains("no rows");
    assertThat(p.textContent("#kv-cache")).doesNotContain("not recorded");
    assertThat(p.locator("#kv-cache [data-chart]").count()).isEqualTo(1);
    // the graph section still recommends capture sizes from the scheduler's batch sizes
    assertThat(p.textContent("#cuda-graphs")).contains("ENABLE_CUDA_GRAPH_TRACKING is False")
        .contains("batch_utilization.csv");
    p.close();
  }

  @Test
  void realSchedulerSessionRendersWithItsMissingProfilersExplained(@TempDir Path tmp) {
    Path html = ReportWriter.write(TestSessions.REAL_SCHEDULER, tmp.resolve("real.html"), null);
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    Page p = l.page();
    assertThat(p.textContent("#moe")).contains("not an MoE model");
    assertThat(p.textContent("#step-time")).contains("not recorded").contains("forward_pass_timing.csv is empty");
    assertThat(p.textContent("#recommendations")).contains("kv_cache_full 5");
    assertThat(p.locator("#preemptions [data-chart=preemption_reasons]").count()).isEqualTo(1);
    assertThat(p.locator("#slow-requests-table tr").count()).isEqualTo(10); // header + 9 requests
    assertThat(p.locator(".rec.act").count()).isGreaterThanOrEqualTo(2); // KV under-provisioned, preemptions
    p.close();
  }

  /**
   * Elements that stick out of a 1280 px window: each element whose box passes the viewport's
   * right edge, unless an ancestor that fits clips it (a table in its own scrolling box).
   */
  @SuppressWarnings("unchecked")
  private static List<String> widerThanTheWindow(Page page) {
    return (List<String>) page.evaluate("""
        () => {
          const W = document.documentElement.clientWidth;
          const bad = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0 || (r.right <= W + 0.5 && r.left >= -0.5)) continue;
            let p = el.parentElement, clipped = false;
            while (p && p !== document.body) {
              if (getComputedStyle(p).overflowX !== 'visible' && p.getBoundingClientRect().right <= W + 0.5) {
                clipped = true;
                break;
              }
              p = p.parentElement;
            }
            if (!clipped) bad.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '')
                + ' right=' + Math.round(r.right));
          }
          return bad.slice(0, 12);
        }""");
  }

  /** A session with the engine settings a real vllm serve records, its data from 18.9 s on. */
  static BuiltSession lateStartingSession() {
    BuiltSession b = SlowRequestsTest.fourKnownRequests();
    b.metadata().with("session").put("duration_sec", 30.0);
    b.engine().put("model", "/tmp/vllm-testbed-model-0k6lq75q").put("served_model_name", "/tmp/vllm-testbed-model-0k6lq75q")
        .put("max_model_len", 2048).put("block_size", 16).put("num_gpu_blocks", 97).put("gpu_memory_utilization", 0.9)
        .put("enable_prefix_caching", true).put("enable_chunked_prefill", true).put("tensor_parallel_size", 1)
        .put("pipeline_parallel_size", 1).put("data_parallel_size", 1).put("dtype", "torch.bfloat16")
        .put("kv_cache_dtype", "auto").put("device", "cuda").put("cudagraph_mode", "FULL_AND_PIECEWISE")
        .put("enforce_eager", false).put("torch_version", "2.14.0+cu130").put("cuda_version", "13.0")
        .put("vllm_version", "0.33.0");
    for (int i = 0; i < 200; i++) {
        double t = 18.9 + 0.05 * i;
        b.step(t, 6, 8, i % 4 == 0 ? 256 : 6, 256, i % 4 == 0 ? 250 : 0, i % 3).kv(t, 40 + (i % 50))
            .cpu(t, "scheduling", 0.4);
    }
    return b;
  }

  @Test
  void pageFitsA1280PxWindowWithoutScrollingSideways(@TempDir Path tmp) {
    record Case(String name, Path html) {}
    List<Case> cases;
    try {
      cases = List.of(
          new Case("built", ReportWriter.write(lateStartingSession().write(tmp.resolve("session_built")),
              tmp.resolve("built.html"), null)),
          new Case("real-scheduler", ReportWriter.write(TestSessions.REAL_SCHEDULER, tmp.resolve("real.html"), null)),
          new Case("golden-with-kernels", ReportWriter.write(TestSessions.GOLDEN, tmp.resolve("kernels.html"), null,
              new KernelInputs(KernelInputFiles.nsysNode(), KernelInputFiles.ncuRaw(), KernelInputFiles.trace()))));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (Case c : cases) {
      Loaded l = open(c.html());
      Page p = l.page();
      assertThat(p.evaluate("() => window.innerWidth")).isEqualTo(1280);
      assertThat(((Number) p.evaluate("() => document.documentElement.scrollWidth")).intValue()).as(c.name())
          .isLessThanOrEqualTo(((Number) p.evaluate("() => document.documentElement.clientWidth")).intValue());
      assertThat(widerThanTheWindow(p)).as(c.name() + ": elements wider than the window").isEmpty();
      assertClean(l, c.html());
      p.close();
    }
  }

  @Test
  void everyTimelineCountsSecondsFromTheSessionStart(@TempDir Path tmp) throws IOException {
    // the session's data begins 18.9 s after the session started; the axes still begin at 0
    Path html = ReportWriter.write(lateStartingSession().write(tmp.resolve("session_built")),
        tmp.resolve("late.html"), null);
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> axes = (List<Map<String, Object>>) l.page().evaluate("""
        () => Array.from(document.querySelectorAll('[data-chart]')).flatMap(el => {
          const x = echarts.getInstanceByDom(el).getModel().getComponent('xAxis', 0);
          if (!x || x.get('type') !== 'value' || !String(x.get('name')).includes('seconds')) return [];
          const e = x.axis.scale.getExtent();
          return [{name: el.dataset.chart, axis: x.get('name'), from: e[0], to: e[1]}];
        })""");
    assertThat(axes).extracting(a -> a.get("name")).contains("kv_usage", "batch_utilization", "queues",
        "request_timeline");
    for (Map<String, Object> a : axes) {
      assertThat(((Number) a.get("from")).doubleValue()).as("start of " + a.get("name")).isEqualTo(0.0);
      assertThat(((Number) a.get("to")).doubleValue()).as("end of " + a.get("name")).isGreaterThanOrEqualTo(28.85);
      assertThat((String) a.get("axis")).as(a.get("name") + "").isEqualTo("seconds since the session started");
    }
    l.page().close();
  }

  /** The capture windows of capture_windows.csv are listed and shaded on every chart over session time. */
  @Test
  void triggeredCaptureWindowsAreListedAndShadedOnEveryTimeline(@TempDir Path tmp) throws IOException {
    Path html = ReportWriter.write(TestSessions.GOLDEN, tmp.resolve("golden.html"), null);
    Loaded l = open(html);
    assertClean(l, html);
    // the golden session fills its KV cache at 0.04 s: kv_usage fires, window 0–30.04 s
    assertThat(l.page().textContent("#capture-windows")).contains("kv_usage-0.040").contains("kv_usage")
        .contains("100 %").contains("95.0 %");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> charts = (List<Map<String, Object>>) l.page().evaluate("""
        () => Array.from(document.querySelectorAll('[data-chart]')).flatMap(el => {
          const m = echarts.getInstanceByDom(el).getModel();
          const x = m.getComponent('xAxis', 0);
          if (!x || x.get('type') !== 'value' || !String(x.get('name')).includes('seconds')) return [];
          const s = m.getSeries().find(s => s.name === 'triggered capture');
          return [{name: el.dataset.chart,
                   areas: s ? s.option.markArea.data.map(a => a[0].xAxis + '-' + a[1].xAxis).join(',') : ''}];
        })""");
    assertThat(charts).extracting(c -> c.get("name")).contains("kv_usage", "batch_utilization", "queues",
        "request_timeline");
    for (Map<String, Object> c : charts) {
      assertThat(c.get("areas")).as(c.get("name") + "").isEqualTo("0-30.04");
    }
    l.page().close();
  }

  /** Every kernel chart name the page holds, in page order. */
  private static List<String> chartNames(Page page) {
    @SuppressWarnings("unchecked")
    List<String> names = (List<String>) page.evaluate(
        "() => Array.from(document.querySelectorAll('[data-chart]')).map(el => el.dataset.chart)");
    return names;
  }

  @Test
  void reportWithNsysNcuAndTraceLoadsCleanlyAndEveryKernelChartDraws(@TempDir Path tmp) throws IOException {
    Path html = ReportWriter.write(TestSessions.GOLDEN, tmp.resolve("kernels.html"), null,
        new KernelInputs(KernelInputFiles.nsysNode(), KernelInputFiles.ncuRaw(), KernelInputFiles.trace()));
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    Page p = l.page();
    assertThat(chartNames(p)).contains("kernel_categories_nsys", "kernel_top_nsys", "kernel_phases_nsys",
        "kernel_graphs_nsys", "kernel_idle_nsys", "kernel_categories_trace", "kernel_top_trace", "kernel_phases_trace",
        "kernel_graphs_trace", "kernel_idle_trace", "ncu_throughput", "ncu_roofline").hasSize(15 + 12);
    assertThat(p.locator("#gpu-kernels").getAttribute("data-recorded")).isEqualTo("true");
    assertThat(p.locator("#kernel-roofline").getAttribute("data-recorded")).isEqualTo("true");
    assertThat(p.textContent("#kernels-nsys")).contains("tinyllama_h200_nsys2025.3_cudagraph-node.sqlite")
        .contains("decode_cudagraph").contains("prefill").contains("graph-node-kernels");
    assertThat(p.textContent("#kernels-trace")).contains("GPU annotations").contains("decode_eager");
    assertThat(p.locator("#kernels-nsys table.kernel-top tbody tr").count()).isEqualTo(KernelTimeline.TOP_KERNELS);
    assertThat(p.textContent("#kernel-roofline")).contains("H200 SXM").contains("latency");
    assertThat(p.textContent("#recommendations")).contains("GPU idle time (nsys)").contains("CUDA-graph coverage (trace)")
        .contains("What bounds the kernels (ncu)").contains("GEMMs at this batch size (ncu)");
    for (String section : List.of("gpu-kernels", "kernel-roofline")) {
      p.locator("#" + section).screenshot(new com.microsoft.playwright.Locator.ScreenshotOptions()
          .setPath(TestSessions.outDir().resolve("report-" + section + ".png")));
    }
    p.close();
  }

  @Test
  void eachKernelInputAloneRendersAndTheOtherSectionSaysWhatToPass(@TempDir Path tmp) {
    record Case(String name, KernelInputs in, String recorded, String missing) {}
    for (Case c : List.of(
        new Case("nsys-graph", new KernelInputs(KernelInputFiles.nsysGraph(), null, null), "gpu-kernels", "kernel-roofline"),
        new Case("trace", new KernelInputs(null, null, KernelInputFiles.trace()), "gpu-kernels", "kernel-roofline"),
        new Case("trace-cpu-only", new KernelInputs(null, null, dev.profilemate.kernel.Fixtures.path(
            "kineto/hta_cpu_only.pt.trace.json.gz")), "gpu-kernels", "kernel-roofline"),
        new Case("ncu-details", new KernelInputs(null, KernelInputFiles.ncuDetails(), null), "kernel-roofline", "gpu-kernels"),
        new Case("ncu-all", new KernelInputs(null, KernelInputFiles.ncuAll(), null), "kernel-roofline", "gpu-kernels"),
        new Case("ncu-live", new KernelInputs(null, KernelInputFiles.ncuLiveStdout(), null), "kernel-roofline", "gpu-kernels"))) {
      Path html = ReportWriter.write(TestSessions.REAL_SCHEDULER, tmp.resolve(c.name() + ".html"), null, c.in());
      Loaded l = open(html);
      assertClean(l, html);
      assertEveryChartDrew(l.page());
      Page p = l.page();
      assertThat(p.locator("#" + c.recorded()).getAttribute("data-recorded")).as(c.name()).isEqualTo("true");
      assertThat(p.locator("#" + c.missing()).getAttribute("data-recorded")).as(c.name()).isEqualTo("false");
      assertThat(p.textContent("#" + c.missing())).as(c.name()).contains("not recorded").contains("Pass --");
      p.close();
    }
  }

  @Test
  void scriptInKernelNamesShowsAsTextInTablesAndTooltips(@TempDir Path tmp) throws Exception {
    KernelInputs in = new KernelInputs(KernelInputFiles.hostileNsys(tmp), KernelInputFiles.hostileNcu(tmp),
        KernelInputFiles.hostileTrace(tmp));
    Path html = ReportWriter.write(TestSessions.GOLDEN, tmp.resolve("hostile-kernels.html"), null, in);
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    Page p = l.page();
    String hostile = KernelInputFiles.HOSTILE;
    assertThat(p.textContent("#kernels-nsys table.kernel-top")).contains(hostile + "nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT");
    assertThat(p.textContent("#kernels-trace table.kernel-top")).contains(hostile + "nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT");
    assertThat(p.textContent("#kernel-roofline table.kernel-ncu")).contains(hostile + "nvjet_sm90_tst_96x128_64x7_2x1_v_bz_TNN");
    // open the tooltip of every hostile bar: ECharts writes tooltips as HTML, report.js escapes them
    for (String chart : List.of("kernel_top_nsys", "kernel_top_trace", "ncu_throughput")) {
      Object shown = p.evaluate("""
          (chart) => {
            const el = document.querySelector('[data-chart="' + chart + '"]');
            const inst = echarts.getInstanceByDom(el);
            const labels = inst.getOption().yAxis[0].data;
            const i = labels.findIndex(x => String(x).includes('<script>'));
            inst.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: i});
            return i;
          }""", chart);
      assertThat(((Number) shown).intValue()).as("hostile bar in " + chart).isGreaterThanOrEqualTo(0);
      p.waitForTimeout(100);
      assertThat(p.textContent("[data-chart=\"" + chart + "\"]")).as("tooltip text of " + chart).contains("<script>window.__pwned=1");
    }
    assertThat(p.evaluate("() => window.__pwned === undefined")).isEqualTo(true);
    assertThat(p.locator("img").count()).isZero();
    assertThat(l.errors()).isEmpty();
    p.close();
  }

  @Test
  void kernelTracesWithoutASessionRenderAndTheSessionSectionsSaySo(@TempDir Path tmp) {
    Path html = ReportWriter.write(null, tmp.resolve("no-session.html"), null,
        new KernelInputs(KernelInputFiles.nsysNode(), KernelInputFiles.ncuAll(), null));
    Loaded l = open(html);
    assertClean(l, html);
    assertEveryChartDrew(l.page());
    Page p = l.page();
    assertThat(p.locator("section[data-recorded=true]").count()).isEqualTo(2); // the two kernel sections
    assertThat(p.textContent("#kv-cache")).contains("not recorded").contains("no session");
    assertThat(p.textContent("#recommendations")).contains("GPU idle time (nsys)").contains("(ncu)");
    p.close();
  }
}
