package dev.profilemate.aggregate;

import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Expert token counts per MoE layer, summed over the session, and imbalance per window. */
public final class MoeExperts implements RecordConsumer {
  private final SessionClock clock;
  private final Consumer<Imbalance> imbalance;
  private final Map<Integer, long[]> totals = new TreeMap<>();

  public MoeExperts(SessionClock clock, Consumer<Imbalance> imbalance) {
    this.clock = clock;
    this.imbalance = imbalance;
  }

  public record Activation(int layer, int expert, long count, double percentage) {}

  public record Imbalance(int layer, double timestampSec, double stdDev, double maxMinRatio) {}

  public record LayerBalance(int layer, long tokens, double maxMinRatio, double stdDev, int expertsUsed, int experts) {}

  static long[] parseCounts(String csv) {
    if (csv.isBlank()) {
      return new long[0];
    }
    String[] parts = csv.split(",");
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Long.parseLong(parts[i].trim());
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
  static double maxMin(long[] c) {
    long max = 0;
    long min = Long.MAX_VALUE;
    for (long x : c) {
      max = Math.max(max, x);
      min = Math.min(min, x);
    }
    return c.length == 0 ? 0 : (double) max / Math.max(1, min);
  }

  @Override
  public void accept(SpoolRecord r) {
    if (!r.name().equals("moe_expert_counts")) {
      return;
    }
    long[] c = parseCounts(r.getString("counts"));
    int layer = r.getInt("layer");
    long[] t = totals.computeIfAbsent(layer, k -> new long[c.length]);
    if (t.length < c.length) {
      t = java.util.Arrays.copyOf(t, c.length);
      totals.put(layer, t);
    }
    for (int i = 0; i < c.length; i++) {
      t[i] += c[i];
    }
    imbalance.accept(new Imbalance(layer, clock.sec(r.tNs()), std(c), maxMin(c)));
  }

  public List<Activation> activations() {
    List<Activation> out = new ArrayList<>();
    totals.forEach(
        (layer, c) -> {
          long sum = 0;
          for (long x : c) {
            sum += x;
          }
          for (int e = 0; e < c.length; e++) {
            out.add(new Activation(layer, e, c[e], sum > 0 ? 100.0 * c[e] / sum : 0));
          }
        });
    return out;
  }

  public List<LayerBalance> balance() {
    List<LayerBalance> out = new ArrayList<>();
    totals.forEach(
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
