package dev.profilemate.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.NamedCsvRecord;
import dev.profilemate.TestPaths;
import dev.profilemate.export.SessionExporter;
import dev.profilemate.spool.RecordSchema;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden session (every record type: scheduler, KV, preemptions, CPU, forward steps, CUDA
 * graphs, MoE) read once by the export with the live accumulator riding along: the /metrics text
 * is locked by a golden file, and every value is checked against the session files the same read
 * wrote. Regenerate the golden with -Dprofilemate.updateGolden=true only for a reviewed change.
 */
class LiveMetricsGoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/live/session_golden.metrics.txt");
  private static Path files;
  private static LiveSnapshot snapshot;

  @BeforeAll
  static void export(@TempDir Path out) throws IOException {
    LiveAccumulator[] acc = new LiveAccumulator[1];
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_golden"), out,
        dev.profilemate.common.Progress.NONE,
        r -> acc[0] = new LiveAccumulator(RecordSchema.bundled(), r.processes(), true));
    files = out;
    snapshot = acc[0].snapshot(true, 1.7e9);
  }

  static String text(LiveSnapshot s) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(b, MetricsView.convert(s));
    return b.toString(StandardCharsets.UTF_8);
  }

  @Test
  void exposition_matchesGolden() throws IOException {
    String got = text(snapshot);
    if (Boolean.getBoolean("profilemate.updateGolden")) {
      Files.writeString(GOLDEN, got);
    }
    assertThat(got).isEqualTo(Files.readString(GOLDEN));
  }

  @Test
  void docsLiveMetricsNamesEveryMetricWithItsLabels() throws IOException {
    String doc = Files.readString(TestPaths.repoRoot().resolve("docs/live-metrics.md"));
    for (LiveMetric m : LiveMetric.values()) {
      String labels = m.labels.isEmpty() ? "—" : String.join(", ", m.labels);
      assertThat(doc).as(m.name()).contains("| `" + m.promName() + "` | " + m.kind.name().toLowerCase(java.util.Locale.ROOT)
          + " | " + labels + " |");
    }
  }

  @Test
  void everySeriesCarriesVllmsLabelsAndTheMetricsOwn() {
    for (Series s : snapshot.series()) {
      assertThat(s.labelValues()).as(s.metric().name()).hasSize(2 + s.metric().labels.size());
      assertThat(s.labelValues().get(0)).isNotBlank();
      assertThat(s.labelValues().get(1)).isEqualTo("0");
    }
  }

  @Test
  void schedulerSideEqualsTheSessionFiles() throws IOException {
    List<NamedCsvRecord> steps = csv("batch_utilization.csv");
    Map<String, Double> byPhase = new HashMap<>();
    steps.forEach(r -> byPhase.merge(r.getField("phase"), 1.0, Double::sum));
    assertThat(counters(LiveMetric.STEPS)).isEqualTo(byPhase);
    assertThat(counters(LiveMetric.SCHEDULED_TOKENS)).containsEntry("prefill", sum(steps, "num_prefill_tokens"))
        .containsEntry("decode", sum(steps, "num_decode_tokens"));
    // step time: each step until the next schedule() (the last has none yet)
    double span = num(steps.getLast(), "timestamp_sec") - num(steps.getFirst(), "timestamp_sec");
    HistogramValue all = total(LiveMetric.STEP_DURATION);
    assertThat(all.count()).isEqualTo(steps.size() - 1);
    assertThat(all.sum()).isCloseTo(span, within(1e-6));
    NamedCsvRecord last = csv("kv_cache_usage.csv").getLast();
    assertThat(gauge(LiveMetric.KV_USAGE)).isCloseTo(num(last, "usage_pct") / 100, within(5e-5));
    assertThat(gauge(LiveMetric.KV_USED_BLOCKS)).isEqualTo(num(last, "num_blocks"));
    assertThat(gauge(LiveMetric.KV_TOTAL_BLOCKS)).isEqualTo(num(last, "total_blocks"));
    List<NamedCsvRecord> ev = csv("kv_cache_evictions.csv");
    assertThat(total(LiveMetric.EVICTION_IDLE).count()).isEqualTo(ev.size());
    assertThat(total(LiveMetric.EVICTION_IDLE).sum()).isCloseTo(sum(ev, "idle_sec"), within(1e-6 * ev.size()));
    assertThat(total(LiveMetric.EVICTION_LIFETIME).sum()).isCloseTo(sum(ev, "lifetime_sec"), within(1e-6 * ev.size()));
    Map<String, Double> reasons = new HashMap<>();
    csv("preemption_events.csv").stream().filter(r -> r.getField("event").equals("preempted"))
        .forEach(r -> reasons.merge(r.getField("reason"), 1.0, Double::sum));
    assertThat(counters(LiveMetric.PREEMPTIONS)).isNotEmpty().isEqualTo(reasons);
    Map<String, Double> cpu = new HashMap<>();
    csv("cpu_operations_timing.csv").forEach(r -> cpu.merge(r.getField("operation"), num(r, "duration_ms") / 1e3, Double::sum));
    cpu.forEach((op, sec) -> assertThat(histogram(LiveMetric.CPU_TIME, op).sum()).as(op).isCloseTo(sec, within(1e-6)));
  }

  @Test
  void workerSideEqualsTheSessionFiles() throws IOException {
    List<NamedCsvRecord> fwd = csv("forward_pass_timing.csv");
    Map<String, Double> perPhase = new HashMap<>();
    fwd.forEach(r -> perPhase.merge(r.getField("phase"), 1.0, Double::sum));
    perPhase.forEach((p, n) -> assertThat(histogram(LiveMetric.FORWARD_TIME, p).count()).as(p).isEqualTo(n.longValue()));
    assertThat(total(LiveMetric.FORWARD_TIME).sum()).isCloseTo(sum(fwd, "forward_time_ms") / 1e3, within(1e-6));
    Map<String, Double> replays = new HashMap<>();
    csv("cuda_graph_usage.csv").stream().filter(r -> num(r, "replay_count") > 0)
        .forEach(r -> replays.merge(r.getField("runtime_mode") + "/" + r.getField("num_tokens"), num(r, "replay_count"),
            Double::sum));
    assertThat(counters(LiveMetric.GRAPH_REPLAYS)).isNotEmpty().isEqualTo(replays);
    // eager runs: the forward steps no replay served
    long replayed = (long) replays.values().stream().mapToDouble(Double::doubleValue).sum();
    assertThat(total(LiveMetric.EAGER_TOKENS).count()).isEqualTo(fwd.size() - replayed);
    for (NamedCsvRecord l : csv("moe_layers.csv")) {
      if (!l.getField("routed_tokens").isEmpty()) {
        assertThat(counters(LiveMetric.MOE_ROUTED)).containsEntry(l.getField("layer_idx"), num(l, "routed_tokens"));
      }
    }
    var layers = dev.profilemate.common.Json.mapper().readTree(files.resolve("moe_summary.json").toFile()).path("layers");
    assertThat(layers.size()).isPositive();
    for (var l : layers) {
      assertThat(gaugeOf(LiveMetric.MOE_IMBALANCE, l.path("layer").asText()))
          .isCloseTo(l.path("max_min_ratio").asDouble(), within(1e-6));
    }
    for (NamedCsvRecord a : csv("moe_expert_activations.csv")) {
      assertThat(counters(LiveMetric.MOE_EXPERT_TOKENS))
          .containsEntry(a.getField("layer_idx") + "/" + a.getField("expert_id"), num(a, "activation_count"));
    }
  }

  @Test
  void paddingIsThePaddedSizeLessTheStepsTokens() {
    // the golden worker replays the FULL 4-token graph for its decode steps of 2, 2 and 1 tokens
    assertThat(counters(LiveMetric.GRAPH_PADDING)).isEqualTo(Map.of("FULL/4", 2.0 + 2 + 3));
  }

  private static List<NamedCsvRecord> csv(String name) throws IOException {
    List<NamedCsvRecord> out = new ArrayList<>();
    try (CsvReader<NamedCsvRecord> r = CsvReader.builder().ofNamedCsvRecord(files.resolve(name))) {
      r.forEach(out::add);
    }
    return out;
  }

  private static double num(NamedCsvRecord r, String f) {
    return Double.parseDouble(r.getField(f));
  }

  private static double sum(List<NamedCsvRecord> rows, String f) {
    return rows.stream().mapToDouble(r -> num(r, f)).sum();
  }

  /** A counter's values by its own labels joined with "/". */
  private static Map<String, Double> counters(LiveMetric m) {
    Map<String, Double> out = new HashMap<>();
    for (Series s : snapshot.series()) {
      if (s.metric() == m) {
        out.merge(String.join("/", s.labelValues().subList(2, s.labelValues().size())), s.number(), Double::sum);
      }
    }
    return out;
  }

  private static double gauge(LiveMetric m) {
    return gaugeOf(m);
  }

  private static double gaugeOf(LiveMetric m, String... own) {
    return snapshot.series().stream()
        .filter(s -> s.metric() == m && s.labelValues().subList(2, s.labelValues().size()).equals(List.of(own)))
        .findFirst().orElseThrow().number();
  }

  private static HistogramValue histogram(LiveMetric m, String... own) {
    return snapshot.series().stream()
        .filter(s -> s.metric() == m && s.labelValues().subList(2, s.labelValues().size()).equals(List.of(own)))
        .findFirst().orElseThrow(() -> new AssertionError(m + " " + List.of(own) + " not served")).histogram();
  }

  private static HistogramValue total(LiveMetric m) {
    return snapshot.series().stream().filter(s -> s.metric() == m).map(Series::histogram)
        .reduce(HistogramValue::plus).orElseThrow(() -> new AssertionError(m + " not served"));
  }
}
