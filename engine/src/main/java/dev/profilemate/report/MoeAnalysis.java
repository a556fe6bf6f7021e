package dev.profilemate.report;

import dev.profilemate.report.SessionRows.ExpertActivation;
import dev.profilemate.report.SessionRows.ExpertPair;
import dev.profilemate.report.SessionRows.LayerImbalance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * MoE routing: activations per layer × expert, which experts are chosen together, and how the
 * load balance moved over time. A layer with max/min activation ratio below 2.0 is balanced.
 */
record MoeAnalysis(
    SectionStatus status,
    int layers,
    int experts,
    double balancedBelowRatio,
    List<Layer> perLayer,
    List<double[]> heatmap,
    SectionStatus coselectionStatus,
    List<double[]> coselection,
    List<Pair> topPairs,
    SectionStatus imbalanceStatus,
    Map<String, List<double[]>> imbalanceOverTime,
    SectionStatus routerWeightsStatus,
    String routerWeightsFrom,
    List<double[]> routerWeights,
    double meanRouterWeight,
    String note) {

  static final double BALANCED_BELOW = 2.0;
  static final int MAX_IMBALANCE_LAYERS = 12;

  /** One layer's balance over the whole session; the ratio uses the least-used expert that was used. */
  record Layer(int layer, long tokens, int expertsUsed, int expertsExpected, double maxMinRatio, double stdDevPct,
      boolean balanced) {}

  record Pair(int layer, int expert1, int expert2, long count) {}

  static MoeAnalysis of(SessionData s) {
    Map<Integer, Map<Integer, Long>> byLayer = new TreeMap<>();
    int experts = 0;
    for (ExpertActivation a : s.moeActivations()) {
      byLayer.computeIfAbsent(a.layer(), k -> new TreeMap<>()).merge(a.expert(), a.count(), Long::sum);
      experts = Math.max(experts, a.expert() + 1);
    }
    int expected = expertsExpected(s.metadata());
    experts = Math.max(experts, expected);
    List<Layer> layers = new ArrayList<>();
    List<double[]> heat = new ArrayList<>();
    for (Map.Entry<Integer, Map<Integer, Long>> e : byLayer.entrySet()) {
      Map<Integer, Long> counts = e.getValue();
      long total = counts.values().stream().mapToLong(Long::longValue).sum();
      long max = counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
      long min = counts.values().stream().mapToLong(Long::longValue).filter(c -> c > 0).min().orElse(0);
      int used = (int) counts.values().stream().filter(c -> c > 0).count();
      double meanPct = 100.0 / Math.max(1, experts);
      double var = 0;
      for (int x = 0; x < experts; x++) {
        double pct = total > 0 ? 100.0 * counts.getOrDefault(x, 0L) / total : 0;
        var += (pct - meanPct) * (pct - meanPct);
        heat.add(new double[] {x, e.getKey(), pct});
      }
      double ratio = min > 0 ? (double) max / min : Double.NaN;
      boolean balanced = !Double.isNaN(ratio) && ratio < BALANCED_BELOW && used >= Math.max(expected, 1);
      layers.add(new Layer(e.getKey(), total, used, expected, ratio, Math.sqrt(var / Math.max(1, experts)), balanced));
    }
    Map<String, Long> pairs = new TreeMap<>();
    List<Pair> all = new ArrayList<>();
    for (ExpertPair p : s.moeCoselection()) {
      int a = Math.min(p.expert1(), p.expert2());
      int b = Math.max(p.expert1(), p.expert2());
      pairs.merge(a + "," + b, p.count(), Long::sum);
      all.add(new Pair(p.layer(), a, b, p.count()));
    }
    List<double[]> co = new ArrayList<>();
    pairs.forEach((k, v) -> {
      String[] ab = k.split(",");
      int a = Integer.parseInt(ab[0]);
      int b = Integer.parseInt(ab[1]);
      co.add(new double[] {a, b, v});
      if (a != b) {
        co.add(new double[] {b, a, v});
      }
    });
    all.sort(Comparator.comparingLong(Pair::count).reversed().thenComparingInt(Pair::layer)
        .thenComparingInt(Pair::expert1).thenComparingInt(Pair::expert2));
    SectionStatus status = SectionStatus.of(s, Profiler.MOE);
    SectionStatus coStatus = !s.moeCoselection().isEmpty() ? SectionStatus.RECORDED : SectionStatus.notRecorded(
        status.recorded() ? "no rows in moe_expert_coselection.csv (the probe recorded activations but no expert pairs)"
            : status.reason());
    SectionStatus imStatus = !s.moeImbalance().isEmpty() ? SectionStatus.RECORDED : SectionStatus.notRecorded(
        status.recorded() ? "no rows in moe_load_imbalance.csv" : status.reason());
    RouterWeights w = routerWeights(s);
    SectionStatus wStatus = !w.bins().isEmpty() ? SectionStatus.RECORDED : SectionStatus.notRecorded(
        status.recorded() ? "no rows in moe_routing_weights_histogram.csv or moe_routing_weights_hist.csv"
            : status.reason());
    return new MoeAnalysis(status, byLayer.size(), experts, BALANCED_BELOW, layers, heat, coStatus, co,
        List.copyOf(all.subList(0, Math.min(10, all.size()))), imStatus, imbalance(s.moeImbalance()), wStatus,
        w.from(), w.bins(), w.mean(), note(s.metadata()));
  }

  /** Routed experts per layer by the model's config (num_local_experts or num_experts), 0 if it says none. */
  static int expertsExpected(SessionMetadata m) {
    return Math.max(m.modelConfig().path("num_local_experts").asInt(0), m.modelConfig().path("num_experts").asInt(0));
  }

  /**
   * What the counts leave out, from metadata.json "moe": shared experts (every token goes through
   * them, so they are not in the routed counts) and layers whose kernel routes out of sight.
   */
  private static String note(SessionMetadata m) {
    List<String> parts = new ArrayList<>();
    int shared = m.moe().path("n_shared_experts").asInt(0);
    if (shared > 0) {
      parts.add("Shared experts per layer: " + shared + "; they process every token and are not in these routed"
          + " counts (moe_layers.csv has their tokens).");
    }
    String hidden = m.moe().path("counts_not_recorded").asText("");
    if (!hidden.isEmpty()) {
      parts.add(hidden + " (layers " + m.moe().path("counts_not_recorded_layers") + ").");
    }
    int dense = m.moe().path("dense_layers").size();
    if (dense > 0) {
      parts.add(dense + (dense == 1 ? " dense layer" : " dense layers") + " " + m.moe().path("dense_layers") + " route nothing.");
    }
    return String.join(" ", parts);
  }

  private record RouterWeights(String from, List<double[]> bins, double mean) {}

  /**
   * The chosen experts' router weights as [lo, hi, count] bins over all layers and experts: from
   * the full histogram when recorded, else from the sampled weights in tenths.
   */
  private static RouterWeights routerWeights(SessionData s) {
    TreeMap<String, double[]> bins = new TreeMap<>();
    String from = "moe_routing_weights_histogram.csv";
    for (SessionRows.WeightBin b : s.moeWeightBins()) {
      bins.computeIfAbsent(key(b.lo(), b.hi()), k -> new double[] {b.lo(), b.hi(), 0})[2] += b.count();
    }
    if (bins.isEmpty()) {
      from = "moe_routing_weights_hist.csv (sampled)";
      long[] tenths = s.moeWeightSamples().tenths();
      for (int i = 0; i < tenths.length; i++) {
        if (tenths[i] > 0) {
          double lo = i / 10.0;
          bins.computeIfAbsent(key(lo, lo + 0.1), k -> new double[] {lo, lo + 0.1, 0})[2] += tenths[i];
        }
      }
    }
    List<double[]> out = new ArrayList<>(bins.values());
    out.sort(Comparator.comparingDouble((double[] b) -> b[0]));
    double n = out.stream().mapToDouble(b -> b[2]).sum();
    double mean = n > 0 ? out.stream().mapToDouble(b -> (b[0] + b[1]) / 2 * b[2]).sum() / n : Double.NaN;
    return new RouterWeights(out.isEmpty() ? "" : from, out, mean);
  }

  private static String key(double lo, double hi) {
    return String.format(java.util.Locale.ROOT, "%012.6f-%012.6f", lo, hi);
  }

  /** max/min ratio over time for the layers with the highest mean ratio. */
  private static Map<String, List<double[]>> imbalance(List<LayerImbalance> rows) {
    Map<Integer, List<LayerImbalance>> byLayer = new TreeMap<>();
    for (LayerImbalance r : rows) {
      byLayer.computeIfAbsent(r.layer(), k -> new ArrayList<>()).add(r);
    }
    List<Integer> worst = byLayer.entrySet().stream()
        .sorted(Comparator.comparingDouble((Map.Entry<Integer, List<LayerImbalance>> e) -> -e.getValue().stream()
            .mapToDouble(LayerImbalance::maxMinRatio).filter(v -> !Double.isNaN(v)).average().orElse(0))
            .thenComparing(Map.Entry::getKey))
        .limit(MAX_IMBALANCE_LAYERS).map(Map.Entry::getKey).sorted().toList();
    Map<String, List<double[]>> out = new LinkedHashMap<>();
    for (int layer : worst) {
      out.put("layer " + layer, Downsample.peaks(byLayer.get(layer), LayerImbalance::timeSec,
          LayerImbalance::maxMinRatio));
    }
    return out;
  }
}
