package dev.profilemate.kernel.nsys;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Maps a GPU operation's (process, correlation id) to the innermost NVTX range that enclosed the
 * CUDA API call which launched it. Built from the launch calls in correlation order: consecutive
 * calls of a process that fall in the same range collapse into one segment [first, last] → range,
 * so memory grows with the number of range changes, not with the number of calls.
 *
 * <p>One thread may build it while another looks up: a lookup of correlation id c waits until the
 * builder has finished every segment that could hold c (its per-process watermark), or has
 * finished or failed altogether. Segments are published by writing the element, then the count
 * (volatile); a reader reads the count, then the arrays.
 */
final class LaunchRanges {
  /** Thrown by the builder when API calls of one process arrive out of correlation order. */
  static final class OutOfOrderException extends RuntimeException {
    OutOfOrderException() {
      super(null, null, false, false);
    }
  }

  /** Thrown to a reader when the builder failed; the caller starts over without concurrency. */
  static final class BuilderFailedException extends RuntimeException {
    BuilderFailedException() {
      super(null, null, false, false);
    }
  }

  private static final class Arrays3 {
    final long[] first;
    final long[] last;
    final int[] range;

    Arrays3(int capacity) {
      first = new long[capacity];
      last = new long[capacity];
      range = new int[capacity];
    }

    Arrays3(Arrays3 old, int capacity) {
      first = Arrays.copyOf(old.first, capacity);
      last = Arrays.copyOf(old.last, capacity);
      range = Arrays.copyOf(old.range, capacity);
    }
  }

  private final class Segments {
    volatile Arrays3 arrays = new Arrays3(16);
    volatile int n;
    /** Every correlation id ≤ watermark has its final answer published. */
    volatile long watermark = Long.MIN_VALUE;
    // builder-only state
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
      } else {
        close();
        openRange = r;
        openFirst = corr;
        openLast = corr;
      }
      long w = openRange >= 0 ? openFirst - 1 : corr;
      if (w != watermark) {
        watermark = w;
      }
    }

    void close() {
      if (openRange < 0) {
        return;
      }
      Arrays3 a = arrays;
      int k = n;
      if (k == a.first.length) {
        a = new Arrays3(a, k * 2);
        arrays = a;
      }
      a.first[k] = openFirst;
      a.last[k] = openLast;
      a.range[k] = openRange;
      for (int c = openRange; c >= 0 && firstCorr[c] == Long.MAX_VALUE; c = parent[c]) {
        firstCorr[c] = openFirst;
      }
      n = k + 1;
      openRange = -1;
    }

    int lookup(long corr) {
      int count = n;
      Arrays3 a = arrays;
      int lo = 0;
      int hi = count - 1;
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (a.first[mid] <= corr) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found >= 0 && corr <= a.last[found] ? a.range[found] : -1;
    }
  }

  private final Map<Long, Segments> byPid = new ConcurrentHashMap<>();
  private final int[] parent;
  /**
   * Per range: the smallest correlation id of a call inside it or a nested range. Final for a range
   * once a lookup has returned it (or a range nested in it): segments close in correlation order.
   */
  private final long[] firstCorr;
  private volatile boolean done;
  private volatile boolean failed;
  // builder-side cache
  private long addPid = Long.MIN_VALUE;
  private Segments addSegs;
  // reader-side cache
  private long readPid = Long.MIN_VALUE;
  private Segments readSegs;

  LaunchRanges(NvtxRanges ranges) {
    parent = ranges.parent;
    firstCorr = new long[ranges.size()];
    Arrays.fill(firstCorr, Long.MAX_VALUE);
  }

  /** The smallest correlation id launched inside range {@code r}; see {@link #firstCorr}. */
  long firstCorr(int r) {
    return firstCorr[r];
  }

  /** Builder: an API call of process {@code pid} (24-bit PID of its globalTid) in {@code range} (-1: none). */
  void add(long pid, long corr, int range) {
    if (pid != addPid || addSegs == null) {
      addSegs = byPid.computeIfAbsent(pid, k -> new Segments());
      addPid = pid;
    }
    addSegs.add(corr, range);
  }

  /** Builder: all calls added. */
  void finish() {
    for (Segments s : byPid.values()) {
      s.close();
      s.watermark = Long.MAX_VALUE;
    }
    done = true;
  }

  /** Builder: gave up; readers waiting now throw {@link BuilderFailedException}. */
  void fail() {
    failed = true;
  }

  boolean isDone() {
    return done;
  }

  /** Reader: the range index, or -1; waits for the builder when it has not got that far. */
  int lookup(long pid, long corr) {
    Segments s = pid == readPid ? readSegs : null;
    int spins = 0;
    while (true) {
      if (s == null) {
        s = byPid.get(pid);
        if (s != null) {
          readPid = pid;
          readSegs = s;
        }
      }
      boolean finished = done;
      if (s != null && (finished || corr <= s.watermark)) {
        return s.lookup(corr);
      }
      if (s == null && finished) {
        return -1;
      }
      if (failed) {
        throw new BuilderFailedException();
      }
      if (++spins < 100) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(20_000);
      }
    }
  }

}
