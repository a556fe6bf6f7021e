package dev.profilemate.aggregate;

import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * EPLB as it ran (issue 25): the expert placements vLLM's EPLB committed (eplb_placement, spool minor
 * 10) and, for each, the per-EP-rank load of the expert counts recorded while it was in force.
 *
 * <p>Each worker writes its placement at start-up and after every rearrangement; EP ranks rearrange
 * together (a collective), so the k-th placement of every process is the same one, and its map is
 * taken from the first process that has it. A moe_expert_counts_v2 window counts under the placement
 * its process had when the window's record came (a window spans CUDA_EVENT_BATCH_SIZE steps, EPLB
 * rearranges every few thousand). Async EPLB commits one layer at a time: the commit of MoE layer 0
 * opens the next placement and later layers' commits update it.
 *
 * <p>A rank's load is vLLM's, as in EplbState.rearrange's rank_load_imbalance: each physical slot
 * takes its logical expert's tokens divided by the expert's replica count, and EP rank r holds slots
 * r·P/ep .. (r+1)·P/ep − 1. Which processes' counts make the model-wide load is {@link MoeTotals}'s
 * decision (each token once under tensor parallelism).
 */
public final class EplbPlacements implements RecordConsumer, java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final Field EVENT = Field.of("event");
  private static final Field FIRST_LAYER = Field.of("first_layer");
  private static final Field NUM_LAYERS = Field.of("num_layers");
  private static final Field NUM_PHYSICAL = Field.of("num_physical");
  private static final Field EP_SIZE = Field.of("ep_size");
  private static final Field LAYERS = Field.of("layers");
  private static final Field MAP = Field.of("map");
  private static final Field LAYER = Field.of("layer");
  private static final Field COUNTS = Field.of("counts");
  static final String[] EVENTS = {"initial", "rearranged", "skipped"};

  private final SessionClock clock;
  /** Per process, its placements in order, each with the counts recorded under it. */
  private final Map<Integer, List<Placement>> byProcess = new TreeMap<>();

  public EplbPlacements(SessionClock clock) {
    this.clock = clock;
  }

  /** One placement of one process: decoder layer → physical slot → logical expert, and its counts. */
  private static final class Placement implements java.io.Serializable {
    final double timestampSec;
    final String event;
    final int epSize;
    final int physical;
    final Map<Integer, int[]> maps = new TreeMap<>();
    final Map<Integer, long[]> counts = new HashMap<>();

    Placement(double timestampSec, String event, int epSize, int physical) {
      this.timestampSec = timestampSec;
      this.event = event;
      this.epSize = epSize;
      this.physical = physical;
    }
  }

  /**
   * One placement and MoE layer, model-wide. busiest and mean: the busiest EP rank's load and the
   * mean rank load (tokens; a replicated expert's tokens split over its replicas); vllmImbalance: vLLM's
   * rank_load_imbalance of the placement over all its layers (the same on each of its rows); counts:
   * the logical experts' tokens in the window (null where none were recorded).
   */
  public record Row(int placement, double timestampSec, String event, int layer, int epSize, int physical,
      long routed, double busiest, double mean, double vllmImbalance, long[] counts) {
    public double imbalance() {
      return mean > 0 ? busiest / mean : Double.NaN;
    }
  }

  @Override
  public boolean wants(String recordName) {
    return "eplb_placement".equals(recordName) || "moe_expert_counts_v2".equals(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    if ("eplb_placement".equals(r.name())) {
      place(r);
      return;
    }
    List<Placement> list = byProcess.get(r.process());
    if (list == null) {
      return; // no EPLB in this process (or counts before its first placement)
    }
    long[] c = r.getLongs(COUNTS);
    long[] sum = list.get(list.size() - 1).counts.computeIfAbsent(r.getInt(LAYER), k -> new long[c.length]);
    for (int i = 0; i < Math.min(c.length, sum.length); i++) {
      sum[i] += c[i];
    }
  }

  private void place(SpoolRecord r) {
    int event = r.getInt(EVENT);
    int first = r.getInt(FIRST_LAYER);
    int rows = r.getInt(NUM_LAYERS);
    int physical = r.getInt(NUM_PHYSICAL);
    int[] layers = r.getInts(LAYERS);
    int[] map = r.getInts(MAP);
    List<Placement> list = byProcess.computeIfAbsent(r.process(), k -> new ArrayList<>());
    Placement p;
    if (first == 0 || list.isEmpty()) { // async: MoE layer 0's commit opens a placement, later layers join it
      p = new Placement(clock.sec(r.tNs()), event >= 0 && event < EVENTS.length ? EVENTS[event] : "event " + event,
          r.getInt(EP_SIZE), physical);
      list.add(p);
    } else {
      p = list.get(list.size() - 1);
    }
    for (int i = 0; i < rows && (i + 1) * physical <= map.length; i++) {
      int layer = i < layers.length && layers[i] >= 0 ? layers[i] : first + i;
      p.maps.put(layer, Arrays.copyOfRange(map, i * physical, (i + 1) * physical));
    }
  }

  /** The rows, placement by placement (the k-th of every process), layer by layer. */
  public List<Row> rows(MoeTotals totals) {
    List<Row> out = new ArrayList<>();
    int placements = byProcess.values().stream().mapToInt(List::size).max().orElse(0);
    for (int k = 0; k < placements; k++) {
      Placement first = null;
      Map<Integer, long[]> counts = new TreeMap<>();
      for (Map.Entry<Integer, List<Placement>> e : byProcess.entrySet()) {
        if (k >= e.getValue().size()) {
          continue;
        }
        Placement p = e.getValue().get(k);
        first = first == null ? p : first;
        for (Map.Entry<Integer, long[]> c : p.counts.entrySet()) {
          if (totals == null || totals.counted(e.getKey(), c.getKey())) {
            long[] sum = counts.computeIfAbsent(c.getKey(), l -> new long[c.getValue().length]);
            for (int i = 0; i < Math.min(sum.length, c.getValue().length); i++) {
              sum[i] += c.getValue()[i];
            }
          }
        }
      }
      out.addAll(rows(k, first, counts));
    }
    return out;
  }

  private static List<Row> rows(int k, Placement p, Map<Integer, long[]> counts) {
    List<Row> out = new ArrayList<>();
    double[] modelRanks = p.epSize > 0 ? new double[p.epSize] : null;
    List<double[]> perLayer = new ArrayList<>();
    for (Map.Entry<Integer, int[]> m : p.maps.entrySet()) {
      long[] c = counts.get(m.getKey());
      double[] ranks = c == null ? null : rankLoads(m.getValue(), c, p.epSize);
      perLayer.add(ranks);
      if (ranks != null && modelRanks != null) {
        for (int r = 0; r < ranks.length; r++) {
          modelRanks[r] += ranks[r];
        }
      }
    }
    double vllm = modelRanks == null ? Double.NaN : maxOverMean(modelRanks);
    int i = 0;
    for (Map.Entry<Integer, int[]> m : p.maps.entrySet()) {
      double[] ranks = perLayer.get(i++);
      long[] c = counts.get(m.getKey());
      double busiest = ranks == null ? 0 : Arrays.stream(ranks).max().orElse(0);
      double mean = ranks == null ? 0 : Arrays.stream(ranks).sum() / ranks.length;
      out.add(new Row(k, p.timestampSec, p.event, m.getKey(), p.epSize, p.physical,
          c == null ? 0 : Arrays.stream(c).sum(), busiest, mean, vllm, c));
    }
    return out;
  }

  /**
   * Each EP rank's load under one layer's placement (physical slot → logical expert, −1 empty), as
   * vLLM's rank_load_imbalance computes it: a slot takes its expert's tokens / the expert's replicas.
   * Null where the slots do not divide over the ranks.
   */
  public static double[] rankLoads(int[] slots, long[] logical, int epSize) {
    if (epSize <= 0 || slots.length % epSize != 0) {
      return null;
    }
    int[] replicas = new int[logical.length];
    for (int s : slots) {
      if (s >= 0 && s < logical.length) {
        replicas[s]++;
      }
    }
    int perRank = slots.length / epSize;
    double[] load = new double[epSize];
    for (int i = 0; i < slots.length; i++) {
      int e = slots[i];
      if (e >= 0 && e < logical.length) {
        load[i / perRank] += (double) logical[e] / replicas[e];
      }
    }
    return load;
  }

  /** max / mean, 1.0 where the mean is 0 (vLLM's rank_load_imbalance says 1.0 there too). */
  public static double maxOverMean(double[] load) {
    double sum = Arrays.stream(load).sum();
    return sum == 0 ? 1.0 : Arrays.stream(load).max().orElse(0) / (sum / load.length);
  }
}
