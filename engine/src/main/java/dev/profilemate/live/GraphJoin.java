package dev.profilemate.live;

import dev.profilemate.aggregate.CudaGraphs;
import dev.profilemate.aggregate.ForwardPasses;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Pairs a worker's CUDA-graph replays with its forward steps, for eager runs and padding. A
 * replay's record carries the padded size it ran at, the forward step's the tokens vLLM scheduled:
 * padding = padded - scheduled. A forward step no replay falls in ran eagerly.
 *
 * <p>The probe writes the replay when the graph call returns, inside the forward step, and the
 * forward step's record when the step ends, with its start time: a replay belongs to the step whose
 * start is at or before it and that had not ended (start + duration) when it began. Both orders
 * (replay first, as the probe writes them, or step first) are paired; a replay without a recorded
 * step (forward_pass profiler off) counts as a replay with unknown padding.
 */
final class GraphJoin implements java.io.Serializable {
  private final Map<List<String>, long[]> replays = new TreeMap<>(ProcessStats.ORDER);
  private final HistogramValue.Accumulator eager = new HistogramValue.Accumulator(LiveMetric.EAGER_TOKENS.bounds);
  private ForwardPasses.Pass pendingPass;
  private CudaGraphs.Replay pendingReplay;

  void pass(ForwardPasses.Pass p) {
    if (pendingReplay != null && pendingReplay.timestampSec() >= p.timestampSec()) {
      pair(pendingReplay, p);
      pendingReplay = null;
      closePass();
      return;
    }
    closeReplay();
    closePass();
    pendingPass = p;
  }

  void replay(CudaGraphs.Replay r) {
    if (pendingPass != null && r.timestampSec() >= pendingPass.timestampSec()
        && r.timestampSec() <= pendingPass.timestampSec() + pendingPass.forwardTimeMs() / 1e3) {
      pair(r, pendingPass);
      pendingPass = null;
      return;
    }
    closeReplay();
    pendingReplay = r;
  }

  /** The end of what was read: a step still unpaired ran eagerly, a replay unpaired had no step. */
  void finish() {
    closeReplay();
    closePass();
  }

  private void pair(CudaGraphs.Replay r, ForwardPasses.Pass p) {
    long[] v = slot(r);
    v[0]++;
    v[1] += Math.max(0, r.descriptor().numTokens() - p.numTokens());
  }

  private void closeReplay() {
    if (pendingReplay != null) {
      slot(pendingReplay)[0]++;
      pendingReplay = null;
    }
  }

  private void closePass() {
    if (pendingPass != null) {
      eager.observe(pendingPass.numTokens());
      pendingPass = null;
    }
  }

  private long[] slot(CudaGraphs.Replay r) {
    return replays.computeIfAbsent(
        List.of(LiveMetric.GRAPH_REPLAYS.name(), r.descriptor().runtimeMode(), Integer.toString(r.descriptor().numTokens())),
        k -> new long[2]);
  }

  void values(BiConsumer<List<String>, Object> out) {
    replays.forEach((k, v) -> {
      out.accept(k, (double) v[0]);
      out.accept(List.of(LiveMetric.GRAPH_PADDING.name(), k.get(1), k.get(2)), (double) v[1]);
    });
    HistogramValue e = eager.value();
    if (e.count() > 0) {
      out.accept(List.of(LiveMetric.EAGER_TOKENS.name()), e);
    }
  }
}
