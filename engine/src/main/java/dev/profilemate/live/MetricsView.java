package dev.profilemate.live;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Prometheus view over the latest {@link LiveSnapshot}: the collector publishes a whole
 * snapshot after each refresh, a scrape reads the reference once and converts that snapshot, so
 * a scrape never mixes two refreshes (nor sees one half-built) whatever the collector is doing.
 */
public final class MetricsView implements MultiCollector {
  private final AtomicReference<LiveSnapshot> current = new AtomicReference<>(LiveSnapshot.EMPTY);

  public void publish(LiveSnapshot snapshot) {
    current.set(snapshot);
  }

  public LiveSnapshot current() {
    return current.get();
  }

  @Override
  public MetricSnapshots collect() {
    return convert(current.get());
  }

  static MetricSnapshots convert(LiveSnapshot snapshot) {
    Map<LiveMetric, List<Series>> byMetric = new LinkedHashMap<>();
    for (Series s : snapshot.series()) {
      byMetric.computeIfAbsent(s.metric(), k -> new ArrayList<>()).add(s);
    }
    List<MetricSnapshot> out = new ArrayList<>();
    byMetric.forEach((m, series) -> out.add(family(m, series)));
    return new MetricSnapshots(out);
  }

  private static MetricSnapshot family(LiveMetric m, List<Series> series) {
    String name = LiveMetric.PREFIX + m.name;
    Unit unit = m.name.endsWith("_seconds") ? Unit.SECONDS : null;
    switch (m.kind) {
      case COUNTER -> {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(m.help);
        series.forEach(s -> b.dataPoint(
            CounterSnapshot.CounterDataPointSnapshot.builder().value(s.number()).labels(labels(m, s)).build()));
        return b.build();
      }
      case GAUGE -> {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(m.help).unit(unit);
        series.forEach(s -> b.dataPoint(
            GaugeSnapshot.GaugeDataPointSnapshot.builder().value(s.number()).labels(labels(m, s)).build()));
        return b.build();
      }
      default -> {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(m.help).unit(unit);
        series.forEach(s -> b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
            .classicHistogramBuckets(buckets(s.histogram())).sum(s.histogram().sum()).labels(labels(m, s)).build()));
        return b.build();
      }
    }
  }

  private static ClassicHistogramBuckets buckets(HistogramValue h) {
    double[] bounds = java.util.Arrays.copyOf(h.bounds(), h.bounds().length + 1);
    bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
    return ClassicHistogramBuckets.of(bounds, h.counts());
  }

  private static Labels labels(LiveMetric m, Series s) {
    Labels.Builder b = Labels.builder()
        .label(LiveMetric.MODEL_NAME, s.labelValues().get(0))
        .label(LiveMetric.ENGINE, s.labelValues().get(1));
    for (int i = 0; i < m.labels.size(); i++) {
      b.label(m.labels.get(i), s.labelValues().get(2 + i));
    }
    return b.build();
  }
}
