package dev.profilemate.live;

import java.util.List;

/**
 * One served series: the metric, its label values (model_name and engine first, then the metric's
 * own labels in {@link LiveMetric#labels} order) and its value: a number for counters and gauges, a
 * {@link HistogramValue} for histograms.
 */
public record Series(LiveMetric metric, List<String> labelValues, double number, HistogramValue histogram) {
  public Series {
    labelValues = List.copyOf(labelValues);
  }

  static Series number(LiveMetric m, List<String> labels, double v) {
    return new Series(m, labels, v, null);
  }

  static Series histogram(LiveMetric m, List<String> labels, HistogramValue h) {
    return new Series(m, labels, 0, h);
  }
}
