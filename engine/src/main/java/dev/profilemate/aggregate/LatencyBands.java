package dev.profilemate.aggregate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * The requests near p50, p90 and p99 of one latency, with their parts and causes averaged:
 * requests go into 1 %-wide buckets of their latency, each bucket summing its requests' parts and
 * cause figures, so a session of millions of requests keeps a few thousand buckets, not a row each.
 */
final class LatencyBands implements java.io.Serializable {
  /** The bands of ranks (fractions of the requests, lowest latency first) each percentile stands for. */
  static final Map<String, double[]> BANDS = bands();

  private static Map<String, double[]> bands() {
    Map<String, double[]> m = new LinkedHashMap<>();
    m.put("p50", new double[] {0.40, 0.60});
    m.put("p90", new double[] {0.85, 0.95});
    m.put("p99", new double[] {0.98, 1.00});
    return m;
  }

  /** What a part's cause was: a name for programs (e.g. max_num_seqs) and a sentence with its numbers. */
  record Cause(String condition, String text) {}

  private static final double BUCKET_WIDTH = Math.log(1.01);

  private final List<String> parts;
  private final int extras;
  private final TreeMap<Integer, double[]> buckets = new TreeMap<>();
  private long count;

  LatencyBands(List<String> parts, List<String> extraKeys) {
    this.parts = parts;
    this.extras = extraKeys.size();
  }

  /** A copy that later adds to this one do not change (LatencyParts.finish()). */
  LatencyBands copy() {
    LatencyBands c = new LatencyBands(parts, extras);
    buckets.forEach((k, b) -> c.buckets.put(k, b.clone()));
    c.count = count;
    return c;
  }

  private LatencyBands(List<String> parts, int extras) {
    this.parts = parts;
    this.extras = extras;
  }

  /** One request: its latency (s), its parts (s, summing to it) and its cause figures. */
  void add(double value, double[] partValues, double[] extraValues) {
    int key = value > 0 ? (int) Math.floor(Math.log(value * 1e6) / BUCKET_WIDTH) : Integer.MIN_VALUE;
    double[] b = buckets.computeIfAbsent(key, k -> new double[2 + parts.size() + extras]);
    b[0]++;
    b[1] += value;
    for (int i = 0; i < parts.size(); i++) {
      b[2 + i] += partValues[i];
    }
    for (int i = 0; i < extras; i++) {
      b[2 + parts.size() + i] += extraValues[i];
    }
    count++;
  }

  long count() {
    return count;
  }

  /**
   * For each band, the means over its requests. explain gets the mean parts and the mean cause
   * figures and names each part's cause.
   */
  Map<String, Object> bands(BiFunction<double[], double[], List<Cause>> explain) {
    Map<String, Object> out = new TreeMap<>();
    if (count == 0) {
      return out;
    }
    for (Map.Entry<String, double[]> band : BANDS.entrySet()) {
      double lo = Math.floor(band.getValue()[0] * count);
      double hi = Math.max(lo + 1, Math.ceil(band.getValue()[1] * count));
      double[] sum = new double[2 + parts.size() + extras];
      double weight = 0;
      double rank = 0;
      for (double[] b : buckets.values()) {
        double from = rank;
        double to = rank + b[0];
        rank = to;
        double overlap = Math.min(to, hi) - Math.max(from, lo);
        if (overlap <= 0) {
          continue;
        }
        double w = overlap / b[0];
        weight += overlap;
        for (int i = 1; i < sum.length; i++) {
          sum[i] += w * b[i];
        }
      }
      double[] mean = new double[parts.size()];
      for (int i = 0; i < mean.length; i++) {
        mean[i] = sum[2 + i] / weight;
      }
      double[] meanExtras = new double[extras];
      for (int i = 0; i < extras; i++) {
        meanExtras[i] = sum[2 + parts.size() + i] / weight;
      }
      double value = sum[1] / weight;
      List<Cause> causes = explain.apply(mean, meanExtras);
      int dominant = 0;
      for (int i = 1; i < mean.length; i++) {
        dominant = mean[i] > mean[dominant] ? i : dominant;
      }
      Map<String, Object> m = new TreeMap<>();
      Map<String, Object> ms = new LinkedHashMap<>();
      Map<String, Object> pct = new LinkedHashMap<>();
      Map<String, Object> why = new LinkedHashMap<>();
      for (int i = 0; i < mean.length; i++) {
        ms.put(parts.get(i), mean[i] * 1e3);
        pct.put(parts.get(i), value > 0 ? 100 * mean[i] / value : 0.0);
        why.put(parts.get(i), causes.get(i).text());
      }
      m.put("requests", weight);
      m.put("mean_ms", value * 1e3);
      m.put("parts_ms", ms);
      m.put("parts_pct", pct);
      m.put("part_causes", why);
      m.put("dominant", parts.get(dominant));
      m.put("dominant_pct", value > 0 ? 100 * mean[dominant] / value : 0.0);
      m.put("dominant_cause", causes.get(dominant).condition());
      m.put("why", String.format(java.util.Locale.ROOT, "%.0f %% %s; %s", value > 0 ? 100 * mean[dominant] / value : 0,
          parts.get(dominant).replace('_', ' '), causes.get(dominant).text()));
      out.put(band.getKey(), m);
    }
    return out;
  }
}
