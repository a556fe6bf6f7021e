package dev.profilemate.report;

/**
 * The rows of the session CSVs the report reads, one record type per file (SPEC.md §2); the long
 * files it only sums are streamed instead (see {@link SessionData}).
 */
final class SessionRows {
  private SessionRows() {}

  /** kv_cache_usage.csv */
  record KvSample(double timeSec, double usagePct, long usedBlocks, long totalBlocks) {}

  /** batch_utilization.csv: one scheduler step. Prefill/decode token columns are NaN in seed-only files. */
  record SchedulerStep(
      double timeSec,
      long numSeqs,
      long maxNumSeqs,
      double seqUtilizationPct,
      long numTokens,
      long maxTokens,
      double tokenUtilizationPct,
      String phase,
      long runningQueueLen,
      long waitingQueueLen,
      double prefillTokens) {
    boolean active() {
      return !phase.equals("idle") && numTokens > 0;
    }
  }

  /** forward_pass_timing.csv: one model forward step. */
  record ForwardStep(double timeSec, String phase, long batchSize, long numTokens, double forwardMs) {}

  /** cuda_graph_usage.csv / cuda_graph_captures.csv: one unique graph (BatchDescriptor). */
  record Graph(String runtimeMode, long numTokens, String numReqs, String uniform, String hasLora, long replayCount,
      double captureTimeSec) {
    String label() {
      return runtimeMode + " num_tokens=" + numTokens + " num_reqs=" + numReqs + " uniform=" + uniform
          + " has_lora=" + hasLora;
    }
  }

  /** preemption_events.csv */
  record PreemptionEvent(double timeSec, String requestId, String event, String reason, String extraInfo) {}

  /** request_lifecycle.csv: one request, with ProfileMate's columns after the seed ones. */
  record Request(
      String requestId,
      double arrivalSec,
      double startedSec,
      double firstTokenSec,
      double finishedSec,
      double preemptedSec,
      double resumedSec,
      double preemptionDelaySec,
      double queueWaitSec,
      long promptTokens,
      long outputTokens,
      long preemptions,
      long recomputedTokens,
      String finishReason) {
    /** arrival (or, without it, start) to finish. */
    double latencySec() {
      double from = Double.isNaN(arrivalSec) ? startedSec : arrivalSec;
      return finishedSec - from;
    }
  }

  /** moe_expert_activations.csv */
  record ExpertActivation(int layer, int expert, long count, double pct) {}

  /**
   * eplb_placements.csv: one EPLB placement and MoE layer; imbalance busiest / mean EP rank under it (NaN where
   * nothing was counted), counts the logical experts' tokens under it (empty where none).
   */
  record EplbPlacementRow(int placement, String event, int layer, int epSize, int physical, long routed,
      double imbalance, double modelImbalance, long[] counts) {}

  /** moe_expert_coselection.csv */
  record ExpertPair(int layer, int expert1, int expert2, long count) {}

  /** moe_routing_weights_histogram.csv: chosen experts' router weights in [lo, hi) bins. */
  record WeightBin(int layer, int expert, double lo, double hi, long count) {}

  /** moe_load_imbalance.csv */
  record LayerImbalance(int layer, double timeSec, double stdDev, double maxMinRatio) {}
}
