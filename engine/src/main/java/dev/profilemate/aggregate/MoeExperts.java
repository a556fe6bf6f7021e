package dev.profilemate.aggregate;

import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Expert token counts per process and MoE layer, summed over the session, and imbalance per window.
 * Kept per process (each worker's router is one rank's view: docs/multi-gpu.md); model-wide figures
 * add the processes {@link MoeTotals} picks, so a token is counted once.
 */
public final class MoeExperts implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field LAYER = Field.of("layer");
  private static final Field PAIRS = Field.of("pairs");
  private static final Field CELLS = Field.of("cells");
  private static final Field LO = Field.of("lo");
  private static final Field HI = Field.of("hi");
  private static final Field NUM_BINS = Field.of("num_bins");
  private static final Field KEYS = Field.of("keys");
  private static final Field COUNTS = Field.of("counts");
  private static final Field NUM_EXPERTS = Field.of("num_experts");
  private static final Field TOKEN_IDX = Field.of("token_idx");
  private static final Field EXPERT = Field.of("expert");
  private static final Field WEIGHT = Field.of("weight");
  private static final Field TOKENS = Field.of("tokens");

  private final SessionClock clock;
  private final Consumer<Imbalance> imbalance;
  /** Keyed by (process, layer): {@link MoeTotals#key}. */
  private final Map<Long, long[]> totals = new TreeMap<>();
  private final Map<Long, CellCounts> pairs = new TreeMap<>();
  private final Map<Long, CellCounts> hist = new TreeMap<>();
  private final Map<Long, double[]> histRange = new TreeMap<>();
  /** Per (process, layer): real tokens routed (spool minor 4 counts them; older spools leave this empty). */
  private final Map<Long, Long> tokens = new TreeMap<>();
  private final Consumer<WeightSample> samples;
  private long legacyCellsLost;

  public MoeExperts(SessionClock clock, Consumer<Imbalance> imbalance, Consumer<WeightSample> samples) {
    this.clock = clock;
    this.imbalance = imbalance;
    this.samples = samples;
  }

  /** process: the index of the process whose router chose them (its ranks: {@link Ranks}). */
  public record Pair(int process, int layer, int expert1, int expert2, long count) {}

  /** A model-wide co-selection count of a layer's expert pair (moe_summary.json top_pairs). */
  public record TopPair(int layer, int expert1, int expert2, long count) {}

  /** One bin of a process's routing-weight histogram of a layer for one expert: weights in [lo, hi). */
  public record WeightBin(int process, int layer, int expert, double lo, double hi, long count) {}

  public record WeightSample(int layer, int tokenIdx, int expert, double weight, int process) {}

  /** The u16 string limit of spools before minor 4: their probe cut longer MoE strings there. */
  static final int LEGACY_STRING_LIMIT = 65_535;

  /**
   * "a-b:c;..." or "a:b:c;..." cells (spools before minor 4) into (key(a, b) -> c) sums. A string
   * at the old length limit was cut by its probe: its last cell may be cut mid-number, so it is
   * dropped, and any cell that does not parse is dropped; both are counted.
   */
  private void addCells(CellCounts into, String cells, String sep) {
    if (cells.isBlank()) {
      return;
    }
    String[] parts = cells.split(";");
    int n = parts.length;
    if (cells.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= LEGACY_STRING_LIMIT) {
      n--;
      legacyCellsLost++;
    }
    for (int i = 0; i < n; i++) {
      String cell = parts[i];
      int colon = cell.lastIndexOf(':');
      String[] ab = colon < 0 ? new String[0] : cell.substring(0, colon).split(sep);
      try {
        if (ab.length != 2) {
          throw new NumberFormatException(cell);
        }
        long a = Long.parseLong(ab[0]);
        long b = Long.parseLong(ab[1]);
        into.addSparse(a, b, Long.parseLong(cell.substring(colon + 1)));
      } catch (NumberFormatException e) {
        legacyCellsLost++;
      }
    }
  }

  /** keys[n] = a * width + b with counts[n] (spool minor 4) into (key(a, b) -> c) sums. */
  private static void addArrays(CellCounts into, int[] keys, long[] counts, int width) {
    into.addAll(keys, counts, width);
  }

  /** Said in metadata.json's warnings: what an older probe's text encoding lost. */
  public List<String> warnings() {
    return legacyCellsLost == 0
        ? List.of()
        : List.of(legacyCellsLost + " MoE co-selection/histogram cells unreadable or cut by an older probe's 64 KiB"
            + " string limit were dropped: moe_expert_coselection.csv and moe_routing_weights_histogram.csv under-count");
  }

  /** Real tokens each (process, layer) routed, where the spool counted them (minor 4). */
  public Map<Long, Long> tokens() {
    return java.util.Collections.unmodifiableMap(tokens);
  }

  /** Per (process, layer): the per-expert counts over the session ({@link MoeTotals} decides from them). */
  public Map<Long, long[]> counts() {
    return java.util.Collections.unmodifiableMap(totals);
  }

  /** One process's tokens of one layer at one expert; percentage of that process's layer total. */
  public record Activation(int process, int layer, int expert, long count, double percentage) {}

  public record Imbalance(int layer, double timestampSec, double stdDev, double maxMinRatio, int process) {}

  public record LayerBalance(int layer, long assignments, double maxMinRatio, double stdDev, int expertsUsed, int experts) {}

  /** A legacy counts string; an unreadable one (cut by the old limit) counts as lost. */
  private long[] parseCounts(String csv) {
    if (csv.isBlank()) {
      return new long[0];
    }
    String[] parts = csv.split(",");
    long[] out = new long[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        out[i] = Long.parseLong(parts[i].trim());
      }
    } catch (NumberFormatException e) {
      legacyCellsLost++;
      return new long[0];
    }
    return out;
  }

  static double std(long[] c) {
    double mean = 0;
    for (long x : c) {
      mean += x;
    }
    mean /= Math.max(1, c.length);
    double v = 0;
    for (long x : c) {
      v += (x - mean) * (x - mean);
    }
    return Math.sqrt(v / Math.max(1, c.length));
  }

  /** max/min over experts; min is floored at 1 so an idle expert does not make it infinite. */
  public static double maxMin(long[] c) {
    long max = 0;
    long min = Long.MAX_VALUE;
    for (long x : c) {
      max = Math.max(max, x);
      min = Math.min(min, x);
    }
    return c.length == 0 ? 0 : (double) max / Math.max(1, min);
  }

  /** The types accept() reads (its cases): the rest are never handed to it. */
  private static final java.util.Set<String> RECORDS = java.util.Set.of("moe_expert_pairs", "moe_weight_histogram", "moe_expert_pairs_v2", "moe_weight_histogram_v2", "moe_weight_sample", "moe_expert_counts", "moe_expert_counts_v2");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    switch (r.name()) {
      case "moe_expert_pairs" -> {
        addCells(pairs.computeIfAbsent(key(r), k -> new CellCounts()), r.getString(PAIRS), "-");
        return;
      }
      case "moe_weight_histogram" -> {
        long key = key(r);
        addCells(hist.computeIfAbsent(key, k -> new CellCounts()), r.getString(CELLS), ":");
        histRange.put(key, new double[] {r.getDouble(LO), r.getDouble(HI), r.getInt(NUM_BINS)});
        return;
      }
      case "moe_expert_pairs_v2" -> {
        addArrays(pairs.computeIfAbsent(key(r), k -> new CellCounts()), r.getInts(KEYS), r.getLongs(COUNTS),
            r.getInt(NUM_EXPERTS));
        return;
      }
      case "moe_weight_histogram_v2" -> {
        long key = key(r);
        addArrays(hist.computeIfAbsent(key, k -> new CellCounts()), r.getInts(KEYS), r.getLongs(COUNTS),
            r.getInt(NUM_BINS));
        histRange.put(key, new double[] {r.getDouble(LO), r.getDouble(HI), r.getInt(NUM_BINS)});
        return;
      }
      case "moe_weight_sample" -> {
        samples.accept(new WeightSample(r.getInt(LAYER), r.getInt(TOKEN_IDX), r.getInt(EXPERT), r.getDouble(WEIGHT),
            r.process()));
        return;
      }
      case "moe_expert_counts" -> addCounts(r, parseCounts(r.getString(COUNTS)));
      case "moe_expert_counts_v2" -> {
        tokens.merge(key(r), r.getLong(TOKENS), Long::sum);
        addCounts(r, r.getLongs(COUNTS));
      }
      default -> {}
    }
  }

  private static long key(SpoolRecord r) {
    return MoeTotals.key(r.process(), r.getInt(LAYER));
  }

  private void addCounts(SpoolRecord r, long[] c) {
    int layer = r.getInt(LAYER);
    long key = key(r);
    long[] t = totals.computeIfAbsent(key, k -> new long[c.length]);
    if (t.length < c.length) {
      t = java.util.Arrays.copyOf(t, c.length);
      totals.put(key, t);
    }
    for (int i = 0; i < c.length; i++) {
      t[i] += c[i];
    }
    imbalance.accept(new Imbalance(layer, clock.sec(r.tNs()), std(c), maxMin(c), r.process()));
  }

  public List<Activation> activations() {
    List<Activation> out = new ArrayList<>();
    totals.forEach(
        (key, c) -> {
          long sum = 0;
          for (long x : c) {
            sum += x;
          }
          for (int e = 0; e < c.length; e++) {
            out.add(new Activation(MoeTotals.process(key), MoeTotals.layer(key), e, c[e], sum > 0 ? 100.0 * c[e] / sum : 0));
          }
        });
    return out;
  }

  public List<Pair> pairs() {
    List<Pair> out = new ArrayList<>();
    pairs.forEach((key, m) -> m.forEach((k, c) -> out.add(new Pair(MoeTotals.process(key), MoeTotals.layer(key),
        (int) (k >> 32), (int) (long) k, c))));
    return out;
  }

  public List<WeightBin> weightHistogram() {
    List<WeightBin> out = new ArrayList<>();
    hist.forEach(
        (key, m) -> {
          double[] range = histRange.get(key);
          double width = (range[1] - range[0]) / Math.max(1, range[2]);
          m.forEach((k, c) -> {
            int bin = (int) (long) k;
            out.add(new WeightBin(MoeTotals.process(key), MoeTotals.layer(key), (int) (k >> 32),
                range[0] + bin * width, range[0] + (bin + 1) * width, c));
          });
        });
    return out;
  }

  /** The most often co-selected expert pairs of each layer, model-wide (the processes {@code counted} takes). */
  public Map<Integer, List<TopPair>> topPairs(int n, MoeTotals counted) {
    Map<Integer, Map<Long, Long>> byLayer = new TreeMap<>();
    pairs.forEach((key, m) -> {
      if (counted.counted(MoeTotals.process(key), MoeTotals.layer(key))) {
        Map<Long, Long> cells = byLayer.computeIfAbsent(MoeTotals.layer(key), k -> new TreeMap<>());
        m.forEach((k, c) -> cells.merge(k, c, Long::sum));
      }
    });
    Map<Integer, List<TopPair>> out = new TreeMap<>();
    byLayer.forEach((layer, cells) -> out.put(layer, cells.entrySet().stream()
        .map(e -> new TopPair(layer, (int) (e.getKey() >> 32), (int) (long) e.getKey(), e.getValue()))
        .sorted(java.util.Comparator.comparingLong(TopPair::count).reversed()
            .thenComparingInt(TopPair::expert1).thenComparingInt(TopPair::expert2))
        .limit(n).toList()));
    return out;
  }

  /** Each layer's balance model-wide: the counts of the processes {@code counted} takes, added up. */
  public List<LayerBalance> balance(MoeTotals counted) {
    Map<Integer, long[]> byLayer = new TreeMap<>();
    totals.forEach((key, c) -> {
      if (counted.counted(MoeTotals.process(key), MoeTotals.layer(key))) {
        long[] t = byLayer.computeIfAbsent(MoeTotals.layer(key), k -> new long[c.length]);
        if (t.length < c.length) {
          t = java.util.Arrays.copyOf(t, c.length);
          byLayer.put(MoeTotals.layer(key), t);
        }
        for (int i = 0; i < c.length; i++) {
          t[i] += c[i];
        }
      }
    });
    List<LayerBalance> out = new ArrayList<>();
    byLayer.forEach(
        (layer, c) -> {
          long sum = 0;
          int used = 0;
          for (long x : c) {
            sum += x;
            used += x > 0 ? 1 : 0;
          }
          out.add(new LayerBalance(layer, sum, maxMin(c), std(c), used, c.length));
        });
    return out;
  }
}
