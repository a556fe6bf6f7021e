package dev.profilemate.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Recommends {@code cudagraph_capture_sizes} from the observed batch sizes (tokens per forward
 * step). vLLM pads a step of n tokens up to the smallest captured size ≥ n and runs steps above
 * the largest size eagerly. Given a budget of K graphs and a largest size L, the sizes that
 * minimise padding are found exactly by dynamic programming over the observed sizes (an optimal
 * size always equals an observed size).
 */
final class CaptureSizeAdvisor {
  /** vLLM's default largest capture size; the recommendation never asks for more than this or the current max. */
  static final long DEFAULT_MAX_CAPTURE = 512;
  /** Above this many distinct sizes only the most frequent are candidates (padding still counts every step). */
  static final int MAX_CANDIDATES = 1500;

  private CaptureSizeAdvisor() {}

  /** What a set of capture sizes does to the observed steps. */
  record Outcome(long graphSteps, long eagerSteps, long eagerTokens, long paddingTokens, double paddingPct,
      List<Long> sizesNeverUsed) {}

  record Plan(long budget, long largestSize, List<Long> sizes, Outcome outcome) {}

  static Outcome evaluate(List<Long> sizes, SortedMap<Long, Long> observed) {
    TreeSet<Long> set = new TreeSet<>(sizes);
    TreeSet<Long> used = new TreeSet<>();
    long graph = 0;
    long eager = 0;
    long eagerTok = 0;
    long pad = 0;
    long tokens = 0;
    for (Map.Entry<Long, Long> e : observed.entrySet()) {
      long v = e.getKey();
      long c = e.getValue();
      tokens += v * c;
      Long s = set.ceiling(v);
      if (s == null) {
        eager += c;
        eagerTok += v * c;
      } else {
        graph += c;
        pad += (s - v) * c;
        used.add(s);
      }
    }
    List<Long> unused = set.stream().filter(s -> !used.contains(s)).toList();
    double padPct = tokens > 0 ? 100.0 * pad / tokens : 0;
    return new Outcome(graph, eager, eagerTok, pad, padPct, unused);
  }

  /**
   * The best {@code budget} sizes for the observed steps, covering every size up to
   * {@code largestAllowed}. Fewer sizes when fewer distinct sizes were seen.
   */
  static Plan recommend(SortedMap<Long, Long> observed, long budget, long largestAllowed) {
    long[] v = observed.keySet().stream().filter(x -> x > 0 && x <= largestAllowed).mapToLong(Long::longValue)
        .toArray();
    if (v.length == 0 || budget <= 0) {
      return new Plan(budget, largestAllowed, List.of(), evaluate(List.of(), observed));
    }
    int m = v.length;
    double[] cnt = new double[m + 1];
    double[] sum = new double[m + 1];
    for (int i = 0; i < m; i++) {
      long c = observed.get(v[i]);
      cnt[i + 1] = cnt[i] + c;
      sum[i + 1] = sum[i] + (double) c * v[i];
    }
    int[] cand = candidates(v, observed);
    int n = cand.length;
    int k = (int) Math.min(budget, n);
    // f[j]: least padding covering v[0..cand[j]] with sizes ending at cand[j]; prev links rebuild the choice
    double[] f = new double[n];
    int[][] prev = new int[k][n];
    for (int j = 0; j < n; j++) {
      f[j] = cost(-1, cand[j], v, cnt, sum);
      prev[0][j] = -1;
    }
    for (int level = 1; level < k; level++) {
      double[] g = new double[n];
      for (int j = 0; j < n; j++) {
        double best = f[j];
        int arg = -3; // -3: the smaller set already does best
        for (int i = 0; i < j; i++) {
          double c = f[i] + cost(cand[i], cand[j], v, cnt, sum);
          if (c < best) {
            best = c;
            arg = i;
          }
        }
        g[j] = best;
        prev[level][j] = arg;
      }
      f = g;
    }
    List<Long> sizes = new ArrayList<>();
    int level = k - 1;
    int j = n - 1;
    while (j >= 0 && level >= 0) {
      int p = prev[level][j];
      if (p == -3) { // same set as one level down
        level--;
        continue;
      }
      sizes.add(0, v[cand[j]]);
      j = p;
      level--;
    }
    return new Plan(budget, largestAllowed, List.copyOf(sizes), evaluate(sizes, observed));
  }

  /** Padding when every size in (v[from], v[to]] is rounded up to v[to]. */
  private static double cost(int from, int to, long[] v, double[] cnt, double[] sum) {
    double c = cnt[to + 1] - cnt[from + 1];
    double s = sum[to + 1] - sum[from + 1];
    return v[to] * c - s;
  }

  /** Indices of candidate sizes: all, or the most frequent plus the largest. */
  private static int[] candidates(long[] v, SortedMap<Long, Long> observed) {
    if (v.length <= MAX_CANDIDATES) {
      int[] all = new int[v.length];
      for (int i = 0; i < v.length; i++) {
        all[i] = i;
      }
      return all;
    }
    Integer[] idx = new Integer[v.length];
    for (int i = 0; i < v.length; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, (a, b) -> Long.compare(observed.get(v[b]), observed.get(v[a])));
    TreeSet<Integer> keep = new TreeSet<>();
    keep.add(v.length - 1);
    for (int i = 0; keep.size() < MAX_CANDIDATES; i++) {
      keep.add(idx[i]);
    }
    return keep.stream().mapToInt(Integer::intValue).toArray();
  }
}
