package dev.profilemate.aggregate;

import dev.profilemate.session.ParallelIdentity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Which processes' MoE counts make a model-wide figure, so that every token is counted once (issue
 * 25). In vLLM 0.33 a worker's router (FusedMoERouter.select_experts, where the probe counts) runs
 * on the tokens of its own DP rank before any expert-parallel dispatch (the modular kernels'
 * prepare step sends tokens to the experts' ranks after routing). So:
 *
 * <ul>
 *   <li>DP ranks route different tokens, and PP ranks different layers: their counts add up;
 *   <li>the TP ranks of one DP rank route the same (replicated) tokens, EP on or off: the lowest TP
 *       rank's counts stand for them all, and the others are checked against it;
 *   <li>except under sequence-parallel MoE (ParallelConfig.use_sequence_parallel_moe: DP and TP
 *       above 1 with EP, on models that split the tokens over the TP ranks, e.g. DeepSeek-V2/V3,
 *       Qwen3-MoE): there each TP rank routes its own share, and counts that differ add up.
 * </ul>
 *
 * <p>A process is grouped by its (dp, pcp, pp) ranks; one without an identity (older spools) is a
 * group of its own, as before ranks were recorded. Decided per layer, from the per-expert counts.
 */
public final class MoeTotals {
  private final Set<Long> counted;
  private final List<String> warnings;

  private MoeTotals(Set<Long> counted, List<String> warnings) {
    this.counted = counted;
    this.warnings = warnings;
  }

  /** The key of one process's counts of one layer (process first, so a TreeMap orders by it). */
  public static long key(int process, int layer) {
    return ((long) process << 32) | (layer & 0xffffffffL);
  }

  public static int process(long key) {
    return (int) (key >> 32);
  }

  public static int layer(long key) {
    return (int) key;
  }

  /**
   * counts: (process, layer) key → the per-expert counts over the session; identity: a process's
   * parallel identity or null.
   */
  public static MoeTotals of(Map<Long, long[]> counts, IntFunction<ParallelIdentity> identity) {
    // (group, layer) -> its members' keys, ordered by TP rank then process
    Map<String, List<Long>> groups = new TreeMap<>();
    for (long k : counts.keySet()) {
      ParallelIdentity id = identity.apply(process(k));
      String group = id == null || id.tpRank() < 0 ? "p" + process(k)
          : "dp" + id.dpRank() + " pcp" + id.pcpRank() + " pp" + id.ppRank();
      groups.computeIfAbsent(group + "\0" + layer(k), g -> new ArrayList<>()).add(k);
    }
    Set<Long> counted = new HashSet<>();
    // per group: the layers where TP ranks disagreed, with the first one's figures
    Map<String, List<String>> disagreed = new TreeMap<>();
    for (Map.Entry<String, List<Long>> g : groups.entrySet()) {
      List<Long> members = g.getValue();
      members.sort((a, b) -> {
        int c = Integer.compare(tp(identity, a), tp(identity, b));
        return c != 0 ? c : Long.compare(a, b);
      });
      long first = members.get(0);
      counted.add(first);
      boolean agree = true;
      boolean split = false;
      for (long k : members.subList(1, members.size())) {
        agree &= same(counts.get(first), counts.get(k));
        ParallelIdentity id = identity.apply(process(k));
        split |= id != null && id.sequenceParallelMoe();
      }
      if (agree) {
        continue; // replicated tokens: one TP rank counts them
      }
      if (split) {
        members.forEach(counted::add); // each TP rank routed its own share
        continue;
      }
      String group = g.getKey().substring(0, g.getKey().indexOf('\0'));
      StringBuilder b = new StringBuilder("layer " + layer(first) + ": tp" + tp(identity, first) + " "
          + sum(counts.get(first)));
      for (long k : members.subList(1, members.size())) {
        b.append(", tp").append(tp(identity, k)).append(' ').append(sum(counts.get(k)));
      }
      disagreed.computeIfAbsent(group, x -> new ArrayList<>()).add(b.toString());
    }
    List<String> warnings = new ArrayList<>();
    disagreed.forEach((group, layers) -> warnings.add("MoE counts of the tensor-parallel ranks of " + group
        + " differ on " + layers.size() + (layers.size() == 1 ? " layer" : " layers") + " (" + layers.get(0)
        + " assignments): model-wide totals take the lowest TP rank's, since TP ranks route the same tokens "
        + "without sequence-parallel MoE; records lost on a rank (see the other warnings) make them differ"));
    return new MoeTotals(counted, warnings);
  }

  /** Whether this process's counts of this layer are in the model-wide totals. */
  public boolean counted(int process, int layer) {
    return counted.contains(key(process, layer));
  }

  /** Said in metadata.json's warnings: TP ranks whose counts should agree and do not. */
  public List<String> warnings() {
    return warnings;
  }

  private static int tp(IntFunction<ParallelIdentity> identity, long k) {
    ParallelIdentity id = identity.apply(process(k));
    return id == null ? -1 : id.tpRank();
  }

  /** Equal counts, a shorter array's missing experts read as 0. */
  private static boolean same(long[] a, long[] b) {
    int n = Math.max(a.length, b.length);
    return Arrays.equals(Arrays.copyOf(a, n), Arrays.copyOf(b, n));
  }

  private static long sum(long[] c) {
    long s = 0;
    for (long x : c) {
      s += x;
    }
    return s;
  }
}
