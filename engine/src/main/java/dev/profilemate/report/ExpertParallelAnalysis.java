package dev.profilemate.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.common.Num;
import dev.profilemate.report.SessionRows.ExpertActivation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cost of expert-parallel (EP) imbalance and an EPLB what-if, from the session's per-expert
 * token counts: with the experts placed as vLLM places them, how much longer the busiest EP rank
 * works than the mean (the rest wait for it at every MoE layer), and what a placement balanced for
 * this load would win, without and with redundant experts (vLLM's EPLB algorithm, ExpertPlacement).
 * Expert time is taken as proportional to tokens; the counts are the session's totals, so a load
 * that moves over time is balanced better here than a static placement could.
 *
 * <p>EP size: the server's when it ran with --enable-expert-parallel (tensor × data parallel
 * size, as vLLM's FusedMoE sets it); otherwise a what-if over tensor × data parallel size when that
 * is above 1, else over 8 GPUs (one node), so a single-GPU user sees what EP would cost them.
 */
record ExpertParallelAnalysis(
    SectionStatus status,
    int epSize,
    String epSource,
    String placement,
    int redundantExperts,
    boolean eplbOn,
    double imbalance,
    double lostPct,
    double balancedImbalance,
    double balancedGainPct,
    double eplbImbalance,
    double eplbGainPct,
    String headline,
    List<Layer> worstLayers,
    AsRan asRan) {

  static final int WHAT_IF_EP = 8;
  static final int MAX_LAYERS = 12;

  /**
   * EPLB as it ran (eplb_placements.csv): over every placement vLLM's EPLB put in force and each MoE layer, the
   * counts of the windows under it. imbalance: Σ busiest rank / Σ mean rank as placed then; lostPct: the share of
   * MoE expert time spent waiting for the busiest rank; noEplb: the same windows under vLLM's placement without
   * EPLB (determine_expert_map, no replicas); hindsight: under EPLB's own policy given each window's load before
   * it ran (the most a rearrangement per window could do); staticPredicted: the what-if's best static placement
   * for the session's total load (eplbImbalance); vllmMin/vllmMax: vLLM's own rank_load_imbalance (layers summed)
   * over the placements that counted tokens.
   */
  record AsRan(int placements, int rearranged, int skipped, double imbalance, double lostPct, double noEplb,
      double hindsight, double staticPredicted, double vllmMin, double vllmMax, String sentence) {}

  /** One layer: busiest rank / mean rank, as placed, balanced without and with redundant experts. */
  record Layer(int layer, double imbalance, double balancedImbalance, double eplbImbalance) {}

  static ExpertParallelAnalysis of(SessionData s, SectionStatus moe) {
    if (!moe.recorded()) {
      return none(moe);
    }
    int experts = Math.max(MoeAnalysis.expertsExpected(s.metadata()),
        s.moeActivations().stream().mapToInt(a -> a.expert() + 1).max().orElse(0));
    Map<Integer, long[]> byLayer = new TreeMap<>();
    for (ExpertActivation a : s.moeActivations()) {
      byLayer.computeIfAbsent(a.layer(), k -> new long[experts])[a.expert()] += a.count();
    }
    JsonNode engine = s.metadata().engine();
    int tp = Math.max(1, engine.path("tensor_parallel_size").asInt(1));
    int dp = Math.max(1, engine.path("data_parallel_size").asInt(1));
    boolean epOn = engine.path("enable_expert_parallel").asBoolean(false);
    int ep = epOn ? tp * dp : tp * dp > 1 ? tp * dp : WHAT_IF_EP;
    String source = epOn ? "configured (--enable-expert-parallel, tensor × data parallel size)"
        : tp * dp > 1 ? "what-if: expert parallelism is off; EP over this server's tensor × data parallel GPUs"
        : "what-if: expert parallelism is off; EP over " + WHAT_IF_EP + " GPUs (one node)";
    String strategy = engine.path("expert_placement_strategy").asText("linear");
    boolean eplbOn = engine.path("enable_eplb").asBoolean(false);
    int redundant = eplbOn ? engine.path("num_redundant_experts").asInt(0) : ep;
    if (experts < ep || byLayer.isEmpty()) {
      return none(SectionStatus.notRecorded(byLayer.isEmpty() ? "no expert counts in moe_expert_activations.csv"
          : experts + " experts do not spread over " + ep + " EP ranks"));
    }
    double mean = 0;
    double current = 0;
    double balanced = 0;
    double withReplicas = 0;
    boolean canBalance = experts % ep == 0 && experts > ep; // one expert per rank: nothing to move
    boolean canReplicate = (experts + redundant) % ep == 0;
    List<Layer> layers = new ArrayList<>();
    for (Map.Entry<Integer, long[]> e : byLayer.entrySet()) {
      long[] load = e.getValue();
      double layerMean = java.util.Arrays.stream(load).sum() / (double) ep;
      if (layerMean == 0) {
        continue;
      }
      double now = ExpertPlacement.max(ExpertPlacement.configured(load, ep, strategy));
      double bal = canBalance ? ExpertPlacement.max(ExpertPlacement.eplb(load, ep, experts)) : Double.NaN;
      double rep = canReplicate ? ExpertPlacement.max(ExpertPlacement.eplb(load, ep, experts + redundant)) : Double.NaN;
      mean += layerMean;
      current += now;
      balanced += bal;
      withReplicas += rep;
      layers.add(new Layer(e.getKey(), now / layerMean, bal / layerMean, rep / layerMean));
    }
    if (layers.isEmpty()) {
      return none(SectionStatus.notRecorded("every MoE layer's expert counts are zero"));
    }
    layers.sort(Comparator.comparingDouble(Layer::imbalance).reversed().thenComparingInt(Layer::layer));
    double imbalance = current / mean;
    double lost = 100 * (1 - mean / current);
    double balGain = 100 * (1 - balanced / current);
    double repGain = 100 * (1 - withReplicas / current);
    String headline = headline(ep, epOn, strategy, layers.size(), imbalance, lost, canBalance, balanced / mean,
        balGain, canReplicate, redundant, eplbOn, withReplicas / mean, repGain);
    return new ExpertParallelAnalysis(SectionStatus.RECORDED, ep, source, strategy, redundant, eplbOn, imbalance, lost,
        balanced / mean, balGain, withReplicas / mean, repGain, headline,
        List.copyOf(layers.subList(0, Math.min(MAX_LAYERS, layers.size()))),
        asRan(s.eplbPlacements(), strategy, canReplicate ? withReplicas / mean : Double.NaN));
  }

  /** EPLB as it ran, from eplb_placements.csv; null where vLLM's EPLB recorded no placement with counts. */
  static AsRan asRan(List<SessionRows.EplbPlacementRow> rows, String strategy, double staticPredicted) {
    if (rows.isEmpty()) {
      return null;
    }
    java.util.Map<Integer, String> events = new TreeMap<>();
    double busiest = 0;
    double mean = 0;
    double noEplb = 0;
    double hindsight = 0;
    double vllmMin = Double.NaN;
    double vllmMax = Double.NaN;
    for (SessionRows.EplbPlacementRow r : rows) {
      events.put(r.placement(), r.event());
      if (r.routed() <= 0 || r.counts().length == 0 || r.epSize() <= 0 || Double.isNaN(r.imbalance())) {
        continue;
      }
      double m = r.routed() / (double) r.epSize();
      busiest += r.imbalance() * m;
      mean += m;
      noEplb += r.counts().length >= r.epSize()
          ? ExpertPlacement.max(ExpertPlacement.configured(r.counts(), r.epSize(), strategy)) : Double.NaN;
      double[] best = ExpertPlacement.eplb(r.counts(), r.epSize(), r.physical());
      hindsight += best == null ? Double.NaN : ExpertPlacement.max(best);
      if (!Double.isNaN(r.modelImbalance())) {
        vllmMin = Double.isNaN(vllmMin) ? r.modelImbalance() : Math.min(vllmMin, r.modelImbalance());
        vllmMax = Double.isNaN(vllmMax) ? r.modelImbalance() : Math.max(vllmMax, r.modelImbalance());
      }
    }
    if (mean == 0) {
      return null;
    }
    int rearranged = (int) events.values().stream().filter("rearranged"::equals).count();
    int skipped = (int) events.values().stream().filter("skipped"::equals).count();
    double imbalance = busiest / mean;
    double lost = 100 * (1 - mean / busiest);
    StringBuilder b = new StringBuilder("EPLB as it ran (").append(events.size())
        .append(events.size() == 1 ? " placement" : " placements").append(": ").append(rearranged)
        .append(rearranged == 1 ? " rearrangement" : " rearrangements")
        .append(skipped > 0 ? ", " + skipped + " skipped by vLLM" : "").append("): the busiest EP rank carried ")
        .append(Num.f(imbalance, 2)).append("× the mean, ").append(Num.f(lost, 1))
        .append("% of the MoE expert time spent waiting for it; without EPLB (").append(strategy)
        .append(" placement) the same windows would carry ").append(Num.f(noEplb / mean, 2)).append("×");
    if (!Double.isNaN(staticPredicted)) {
      b.append(", and the best static placement for the session's total load predicts ")
          .append(Num.f(staticPredicted, 2)).append("×");
    }
    b.append(".");
    if (!Double.isNaN(hindsight)) {
      b.append(" EPLB's policy given each window's load in advance would have reached ")
          .append(Num.f(hindsight / mean, 2)).append("×.");
    }
    if (!Double.isNaN(vllmMin)) {
      b.append(" vLLM's own measure (rank_load_imbalance, its layers summed) read ").append(Num.f(vllmMin, 2))
          .append(vllmMax > vllmMin ? "–" + Num.f(vllmMax, 2) : "").append(" over the placements.");
    }
    return new AsRan(events.size(), rearranged, skipped, imbalance, lost, noEplb / mean, hindsight / mean,
        staticPredicted, vllmMin, vllmMax, b.toString());
  }

  private static String headline(int ep, boolean epOn, String strategy, int layers, double imbalance, double lost,
      boolean canBalance, double balanced, double balGain, boolean canReplicate, int redundant, boolean eplbOn,
      double replicated, double repGain) {
    StringBuilder b = new StringBuilder();
    // with EPLB on, vLLM moves experts during the run: the linear/round-robin figure is where it starts
    b.append(!epOn ? "If EP ran over " + ep + " GPUs (" + strategy + " placement), the busiest rank would carry "
        : eplbOn ? "With EP over " + ep + " GPUs and EPLB on, in vLLM's starting " + strategy
            + " placement the busiest rank would carry "
        : "With EP over " + ep + " GPUs (" + strategy + " placement), the busiest rank carries ")
        .append(Num.f(imbalance, 2)).append("× the mean expert load, over ").append(layers)
        .append(layers == 1 ? " MoE layer" : " MoE layers").append(": ").append(Num.f(lost, 1))
        .append("% of the MoE expert time goes to waiting for it.");
    if (canBalance) {
      b.append(" Experts placed for this load: ").append(Num.f(balanced, 2)).append("× (")
          .append(Num.f(balGain, 1)).append("% less expert time).");
    }
    if (canReplicate) {
      b.append(" vLLM's EPLB with ").append(redundant).append(" redundant experts")
          .append(eplbOn ? " (as configured)" : "").append(": ").append(Num.f(replicated, 2)).append("× (")
          .append(Num.f(repGain, 1)).append("% less).");
    }
    return b.toString();
  }

  private static ExpertParallelAnalysis none(SectionStatus why) {
    return new ExpertParallelAnalysis(why, 0, "", "",
        0, false, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, "", List.of(), null);
  }
}
