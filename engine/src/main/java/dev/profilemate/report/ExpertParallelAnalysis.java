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
    List<Layer> worstLayers) {

  static final int WHAT_IF_EP = 8;
  static final int MAX_LAYERS = 12;

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
        List.copyOf(layers.subList(0, Math.min(MAX_LAYERS, layers.size()))));
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
        0, false, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, "", List.of());
  }
}
