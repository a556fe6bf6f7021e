package dev.profilemate.kernel.nsys;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps a GPU operation's (process, correlation id) to the innermost NVTX range that enclosed the
 * CUDA API call which launched it. Built from the API calls in correlation order: consecutive calls
 * of a process that fall in the same range collapse into one segment [first, last] → range, so
 * memory grows with the number of range changes, not with the number of calls.
 */
final class LaunchRanges {
  /** Thrown when API calls of one process arrive out of correlation order. */
  static final class OutOfOrderException extends RuntimeException {
    OutOfOrderException() {
      super(null, null, false, false);
    }
  }

  private static final class Segments {
    long[] first = new long[16];
    long[] last = new long[16];
    int[] range = new int[16];
    int n;
    long lastCorr = Long.MIN_VALUE;
    int openRange = -1;
    long openFirst;
    long openLast;

    void add(long corr, int r) {
      if (corr < lastCorr) {
        throw new OutOfOrderException();
      }
      lastCorr = corr;
      if (r == openRange) {
        openLast = corr;
        return;
      }
      close();
      openRange = r;
      openFirst = corr;
      openLast = corr;
    }

    void close() {
      if (openRange < 0) {
        return;
      }
      if (n == first.length) {
        first = Arrays.copyOf(first, n * 2);
        last = Arrays.copyOf(last, n * 2);
        range = Arrays.copyOf(range, n * 2);
      }
      first[n] = openFirst;
      last[n] = openLast;
      range[n] = openRange;
      n++;
      openRange = -1;
    }

    int lookup(long corr) {
      int lo = 0;
      int hi = n - 1;
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (first[mid] <= corr) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found >= 0 && corr <= last[found] ? range[found] : -1;
    }
  }

  /** nsys: {@code kernel.globalPid = runtime.globalTid & 0xFFFFFFFFFF000000}. */
  static final long PID_MASK = 0xFFFFFFFFFF000000L;

  private final Map<Long, Segments> byPid = new HashMap<>();
  private long cachedPid = Long.MIN_VALUE;
  private Segments cached;
  private long segmentCount;

  void add(long globalTid, long corr, int range) {
    segs(globalTid & PID_MASK, true).add(corr, range);
  }

  void finish() {
    segmentCount = 0;
    for (Segments s : byPid.values()) {
      s.close();
      segmentCount += s.n;
    }
  }

  long segmentCount() {
    return segmentCount;
  }

  int lookup(long globalPid, long corr) {
    Segments s = segs(globalPid, false);
    return s == null ? -1 : s.lookup(corr);
  }

  /** Calls {@code f(range, first, last)} for every segment. */
  void forEachSegment(SegmentVisitor f) {
    for (Segments s : byPid.values()) {
      for (int i = 0; i < s.n; i++) {
        f.visit(s.range[i], s.first[i], s.last[i]);
      }
    }
  }

  interface SegmentVisitor {
    void visit(int range, long first, long last);
  }

  private Segments segs(long pid, boolean create) {
    if (pid != cachedPid || cached == null) {
      Segments s = byPid.get(pid);
      if (s == null && create) {
        s = new Segments();
        byPid.put(pid, s);
      }
      if (s == null) {
        return null;
      }
      cachedPid = pid;
      cached = s;
    }
    return cached;
  }
}
