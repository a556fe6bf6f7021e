package dev.profilemate.kernel;

import dev.profilemate.common.Num;
import dev.profilemate.kernel.category.CategoryRules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-name accumulators of kernel and memory-operation durations, turned at the end into sorted
 * {@link KernelSummary}, {@link MemoryOpSummary} and {@link CategoryTotal} lists.
 */
public final class KernelTable {
  /** Durations of one kernel (or memory operation) name. */
  public static final class Entry {
    final String name;
    final String category;
    final int categoryIndex;
    final DurationStats stats = new DurationStats();
    long bytes;

    Entry(String name, String category, int categoryIndex) {
      this.name = name;
      this.category = category;
      this.categoryIndex = categoryIndex;
    }

    public void add(long durationNs) {
      stats.add(durationNs);
    }

    public void addBytes(long b) {
      bytes += b;
    }

    public int categoryIndex() {
      return categoryIndex;
    }

    public String name() {
      return name;
    }
  }

  private final CategoryRules rules;
  private final List<String> categories;
  private final Map<String, Integer> categoryIndex = new HashMap<>();
  private final Map<String, Entry> kernels = new HashMap<>();
  private final Map<String, Entry> memoryOps = new HashMap<>();

  public KernelTable(CategoryRules rules) {
    this.rules = rules;
    this.categories = new ArrayList<>(rules.categoryOrder());
    for (int i = 0; i < categories.size(); i++) {
      categoryIndex.put(categories.get(i), i);
    }
  }

  /** The accumulator for a kernel name, created (and categorised) on first use. */
  public Entry kernel(String name) {
    return kernels.computeIfAbsent(name, n -> newEntry(n));
  }

  public Entry memoryOp(String name) {
    return memoryOps.computeIfAbsent(name, n -> newEntry(n));
  }

  private Entry newEntry(String name) {
    String c = rules.categorize(name);
    Integer idx = categoryIndex.get(c);
    if (idx == null) {
      idx = categories.size();
      categories.add(c);
      categoryIndex.put(c, idx);
    }
    return new Entry(name, c, idx);
  }

  public List<String> categories() {
    return categories;
  }

  public long kernelNs() {
    long t = 0;
    for (Entry e : kernels.values()) {
      t += e.stats.total();
    }
    return t;
  }

  public long kernelInstances() {
    long t = 0;
    for (Entry e : kernels.values()) {
      t += e.stats.count();
    }
    return t;
  }

  public long memoryOpNs() {
    long t = 0;
    for (Entry e : memoryOps.values()) {
      t += e.stats.total();
    }
    return t;
  }

  public long memoryOpInstances() {
    long t = 0;
    for (Entry e : memoryOps.values()) {
      t += e.stats.count();
    }
    return t;
  }

  /** Kernels sorted by total time, descending, then by name. */
  public List<KernelSummary> kernelSummaries() {
    long all = kernelNs();
    List<KernelSummary> out = new ArrayList<>();
    for (Entry e : kernels.values()) {
      DurationStats s = e.stats;
      double[] ms = s.medianAndStdDev();
      out.add(new KernelSummary(e.name, e.category, s.count(), s.total(), Num.round(s.mean(), 1),
          Num.round(ms[0], 1), s.min(), s.max(), Num.round(ms[1], 1), Num.pct(s.total(), all)));
    }
    out.sort(Comparator.comparingLong(KernelSummary::totalNs).reversed().thenComparing(KernelSummary::name));
    return out;
  }

  public List<MemoryOpSummary> memoryOpSummaries() {
    List<MemoryOpSummary> out = new ArrayList<>();
    for (Entry e : memoryOps.values()) {
      DurationStats s = e.stats;
      out.add(new MemoryOpSummary(e.name, s.count(), s.total(), Num.round(s.mean(), 1), s.min(), s.max(), e.bytes));
    }
    out.sort(Comparator.comparingLong(MemoryOpSummary::totalNs).reversed().thenComparing(MemoryOpSummary::name));
    return out;
  }

  /** Kernels and memory operations per category, by time descending; percentages of their sum. */
  public List<CategoryTotal> categoryTotals() {
    Map<String, long[]> acc = new LinkedHashMap<>();
    for (String c : categories) {
      acc.put(c, new long[3]);
    }
    for (Map<String, Entry> m : List.of(kernels, memoryOps)) {
      for (Entry e : m.values()) {
        long[] a = acc.get(e.category);
        a[0] += e.stats.count();
        a[1] += e.stats.total();
        a[2]++;
      }
    }
    long all = kernelNs() + memoryOpNs();
    List<CategoryTotal> out = new ArrayList<>();
    for (Map.Entry<String, long[]> en : acc.entrySet()) {
      long[] a = en.getValue();
      if (a[0] > 0) {
        out.add(new CategoryTotal(en.getKey(), a[0], a[1], Num.pct(a[1], all), (int) a[2]));
      }
    }
    out.sort(Comparator.comparingLong(CategoryTotal::totalNs).reversed().thenComparing(CategoryTotal::category));
    return out;
  }
}
