package dev.profilemate.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The first {@code limit} rows of a stream in a given order, kept while streaming: the same rows,
 * in the same order, as a stable sort of all of them cut to {@code limit}, without holding the rest.
 */
final class Slowest<T> {
  private record Entry<T>(T row, long seq) {}

  private final int limit;
  private final Comparator<Entry<T>> order;
  /** The kept rows, the one that would go first when a better row comes at the head. */
  private final PriorityQueue<Entry<T>> kept;
  private long seq;

  Slowest(int limit, Comparator<T> order) {
    this.limit = limit;
    // equal rows keep their stream order, as in a stable sort
    this.order = Comparator.<Entry<T>, T>comparing(Entry::row, order).thenComparingLong(Entry::seq);
    this.kept = new PriorityQueue<>(Math.max(1, limit), this.order.reversed());
  }

  void offer(T row) {
    Entry<T> e = new Entry<>(row, seq++);
    if (kept.size() < limit) {
      kept.add(e);
    } else if (limit > 0 && order.compare(e, kept.peek()) < 0) {
      kept.poll();
      kept.add(e);
    }
  }

  /** The kept rows, first first. */
  List<T> inOrder() {
    List<Entry<T>> all = new ArrayList<>(kept);
    all.sort(order);
    return all.stream().map(Entry::row).toList();
  }
}
