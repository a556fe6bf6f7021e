package dev.profilemate.report;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Where an MoE layer's experts sit over the expert-parallel (EP) ranks, and the token load each
 * rank then carries: vLLM's own placements (determine_expert_map in
 * vllm/model_executor/layers/fused_moe/expert_map_manager.py: "linear" and "round_robin") and the
 * placement vLLM's EPLB would choose for a given load (DefaultEplbPolicy in
 * vllm/distributed/eplb/policy/default.py, its global policy: one group, one node), ported step for
 * step so that the what-if is the one vLLM would run (probe/tests/test_expert_parallel.py checks it
 * against vLLM's own code). A rank's MoE expert time is taken as its tokens: every rank waits for the
 * busiest before the layer's all-to-all goes on.
 */
final class ExpertPlacement {
  private ExpertPlacement() {}

  /** Each rank's tokens when vLLM places the experts by its strategy ("linear" or "round_robin"). */
  static double[] configured(long[] load, int ranks, String strategy) {
    int experts = load.length;
    int base = experts / ranks;
    int remainder = experts % ranks;
    double[] perRank = new double[ranks];
    for (int r = 0; r < ranks; r++) {
      int local = r < remainder ? base + 1 : base;
      if ("round_robin".equals(strategy)) {
        for (int e = r; e < experts; e += ranks) {
          perRank[r] += load[e];
        }
      } else {
        int start = r * base + Math.min(r, remainder);
        for (int e = start; e < start + local; e++) {
          perRank[r] += load[e];
        }
      }
    }
    return perRank;
  }

  /**
   * Each rank's tokens under the placement EPLB chooses for this load with `physical` expert slots
   * (experts + redundant replicas; a multiple of ranks): the hottest experts replicated first, a
   * replica taking an equal share of its expert's tokens, then the slots packed onto the ranks,
   * heaviest first onto the lightest rank with room. Null when the slots do not divide over the ranks.
   */
  static double[] eplb(long[] load, int ranks, int physical) {
    int experts = load.length;
    if (physical < experts || physical % ranks != 0) {
      return null;
    }
    int[] phy2log = new int[physical];
    int[] replicas = new int[experts];
    for (int e = 0; e < experts; e++) {
      phy2log[e] = e;
      replicas[e] = 1;
    }
    for (int p = experts; p < physical; p++) {
      int hottest = 0; // argmax of load / replicas, the first on ties (numpy's argmax)
      for (int e = 1; e < experts; e++) {
        if ((double) load[e] / replicas[e] > (double) load[hottest] / replicas[hottest]) {
          hottest = e;
        }
      }
      phy2log[p] = hottest;
      replicas[hottest]++;
    }
    double[] slot = new double[physical];
    for (int p = 0; p < physical; p++) {
      slot[p] = (double) load[phy2log[p]] / replicas[phy2log[p]];
    }
    return pack(slot, ranks);
  }

  /**
   * balanced_packing: n weights into `packs` packs of n / packs each, heaviest first onto the
   * lightest pack that has room (the first on ties). One per pack keeps the order, as vLLM does.
   * Equal weights are interchangeable, so the order among them does not change the loads.
   */
  private static double[] pack(double[] weight, int packs) {
    int n = weight.length;
    int per = n / packs;
    double[] loads = new double[packs];
    if (per == 1) {
      System.arraycopy(weight, 0, loads, 0, n);
      return loads;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> weight[i]).reversed());
    int[] items = new int[packs];
    for (int i : order) {
      int best = -1;
      for (int p = 0; p < packs; p++) {
        if (items[p] < per && (best < 0 || loads[p] < loads[best])) {
          best = p;
        }
      }
      loads[best] += weight[i];
      items[best]++;
    }
    return loads;
  }

  static double max(double[] perRank) {
    return Arrays.stream(perRank).max().orElse(0);
  }
}
