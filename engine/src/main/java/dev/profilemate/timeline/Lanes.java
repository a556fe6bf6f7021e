package dev.profilemate.timeline;

import java.util.ArrayList;
import java.util.List;

/**
 * Places slices that may overlap (requests in flight together, a GPU-timed forward pass longer than
 * the gap to the next) on as few lanes as it can: the first lane whose every slice ended by the new
 * one's start. Slices on one track must nest, so overlapping ones go to separate tracks; the lanes
 * number about the peak concurrency, not the slice count. Works whatever order slices come in.
 */
final class Lanes {
  private final List<long[]> ends = new ArrayList<>(); // per lane: the latest end placed on it

  int place(long start, long end) {
    for (int i = 0; i < ends.size(); i++) {
      long[] e = ends.get(i);
      if (e[0] <= start) {
        e[0] = Math.max(e[0], end);
        return i;
      }
    }
    ends.add(new long[] {end});
    return ends.size() - 1;
  }
}
