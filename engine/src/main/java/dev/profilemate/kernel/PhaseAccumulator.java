package dev.profilemate.kernel;

import dev.profilemate.common.Num;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Collects kernel time per phase and category, then builds a {@link PhaseBreakdown}. */
public final class PhaseAccumulator {
  /** Totals of one phase; index it by {@link #phase(String)} once per range, not per kernel. */
  public static final class Slot {
    final String name;
    long ranges;
    long wallNs;
    long kernels;
    long kernelNs;
    long graphNs;
    long[] categoryNs = new long[16];

    Slot(String name) {
      this.name = name;
    }

    public void addKernel(int categoryIndex, long ns) {
      kernels++;
      kernelNs += ns;
      if (categoryIndex >= categoryNs.length) {
        categoryNs = Arrays.copyOf(categoryNs, Math.max(categoryIndex + 1, categoryNs.length * 2));
      }
      categoryNs[categoryIndex] += ns;
    }

    public void addRange(long projectedNs) {
      ranges++;
      wallNs += projectedNs;
    }

    public void addGraphSpan(long ns) {
      graphNs += ns;
    }
  }

  private final Map<String, Slot> slots = new HashMap<>();

  public Slot phase(String name) {
    return slots.computeIfAbsent(name, Slot::new);
  }

  public boolean isEmpty() {
    return slots.isEmpty();
  }

  /** Phases by kernel time descending (unattributed last); categories as named by {@code categories}. */
  public PhaseBreakdown result(String source, List<String> categories) {
    long all = 0;
    for (Slot s : slots.values()) {
      all += s.kernelNs;
    }
    List<PhaseBreakdown.Phase> out = new ArrayList<>();
    for (Slot s : slots.values()) {
      if (s.kernels == 0 && s.ranges == 0 && s.graphNs == 0) {
        continue;
      }
      List<PhaseBreakdown.CategoryNs> cats = new ArrayList<>();
      for (int i = 0; i < s.categoryNs.length && i < categories.size(); i++) {
        if (s.categoryNs[i] > 0) {
          cats.add(new PhaseBreakdown.CategoryNs(categories.get(i), s.categoryNs[i]));
        }
      }
      cats.sort(Comparator.comparingLong(PhaseBreakdown.CategoryNs::ns).reversed()
          .thenComparing(PhaseBreakdown.CategoryNs::category));
      out.add(new PhaseBreakdown.Phase(s.name, s.ranges, s.wallNs, s.kernels, s.kernelNs,
          Num.pct(s.kernelNs, all), s.graphNs, cats));
    }
    out.sort(Comparator.comparing((PhaseBreakdown.Phase p) -> p.phase().equals(PhaseBreakdown.UNATTRIBUTED))
        .thenComparing(Comparator.comparingLong(PhaseBreakdown.Phase::kernelNs).reversed())
        .thenComparing(PhaseBreakdown.Phase::phase));
    return new PhaseBreakdown(source, out);
  }
}
