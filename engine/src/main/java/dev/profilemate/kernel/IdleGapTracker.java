package dev.profilemate.kernel;

import dev.profilemate.common.Num;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * GPU idle time per device, in one pass over GPU operations (kernels, memcpys, memsets) given in
 * start order per device. Busy time is the union of the operations' intervals, idle time the
 * gaps inside [first start, last end]. Keeps the largest gaps and a histogram of gap sizes, so
 * memory does not grow with the number of operations.
 */
public final class IdleGapTracker {
  /** Thrown when operations of one device do not arrive in start order. */
  public static final class OutOfOrderException extends RuntimeException {
    public OutOfOrderException(String message) {
      super(message, null, false, false);
    }
  }

  static final long[] BUCKET_UPPER_NS = {10_000L, 100_000L, 1_000_000L, 10_000_000L, Long.MAX_VALUE};
  static final String[] BUCKET_LABELS = {"<10us", "10-100us", "100us-1ms", "1-10ms", ">=10ms"};

  private final int keepLargest;
  private final Map<Integer, Device> devices = new TreeMap<>();

  public IdleGapTracker(int keepLargest) {
    this.keepLargest = keepLargest;
  }

  private final class Device {
    final int id;
    long first = Long.MIN_VALUE;
    long lastStart = Long.MIN_VALUE;
    long curStart;
    long curEnd;
    long curEndRef;
    long busy;
    long gapCount;
    final long[] bucketCount = new long[BUCKET_UPPER_NS.length];
    final long[] bucketNs = new long[BUCKET_UPPER_NS.length];
    // largest gaps, unsorted; replaced by min when full
    final long[] gapStart = new long[keepLargest];
    final long[] gapLen = new long[keepLargest];
    final long[] gapBefore = new long[keepLargest];
    final long[] gapAfter = new long[keepLargest];
    int gaps;

    Device(int id) {
      this.id = id;
    }

    void add(long start, long end, long ref) {
      if (start < lastStart) {
        throw new OutOfOrderException("device " + id + ": operation at " + start + " after " + lastStart);
      }
      lastStart = start;
      if (end < start) {
        end = start;
      }
      if (first == Long.MIN_VALUE) {
        first = start;
        curStart = start;
        curEnd = end;
        curEndRef = ref;
        return;
      }
      if (start > curEnd) {
        busy += curEnd - curStart;
        gap(curEnd, start - curEnd, curEndRef, ref);
        curStart = start;
        curEnd = end;
        curEndRef = ref;
      } else if (end > curEnd) {
        curEnd = end;
        curEndRef = ref;
      }
    }

    void gap(long at, long len, long before, long after) {
      gapCount++;
      for (int b = 0; b < BUCKET_UPPER_NS.length; b++) {
        if (len < BUCKET_UPPER_NS[b]) {
          bucketCount[b]++;
          bucketNs[b] += len;
          break;
        }
      }
      if (keepLargest == 0) {
        return;
      }
      int slot;
      if (gaps < keepLargest) {
        slot = gaps++;
      } else {
        slot = 0;
        for (int i = 1; i < gaps; i++) {
          if (gapLen[i] < gapLen[slot] || (gapLen[i] == gapLen[slot] && gapStart[i] > gapStart[slot])) {
            slot = i;
          }
        }
        if (len <= gapLen[slot]) {
          return;
        }
      }
      gapStart[slot] = at;
      gapLen[slot] = len;
      gapBefore[slot] = before;
      gapAfter[slot] = after;
    }
  }

  public void add(int device, long startNs, long endNs, long nameRef) {
    Device d = devices.get(device);
    if (d == null) {
      d = new Device(device);
      devices.put(device, d);
    }
    d.add(startNs, endNs, nameRef);
  }

  /** One entry per device, ascending; {@code names} turns the refs given to {@link #add} into names. */
  public List<DeviceIdle> result(LongFunction<String> names) {
    List<DeviceIdle> out = new ArrayList<>();
    for (Device d : devices.values()) {
      if (d.first == Long.MIN_VALUE) {
        continue;
      }
      long busy = d.busy + (d.curEnd - d.curStart);
      long span = d.curEnd - d.first;
      List<IdleGap> largest = new ArrayList<>();
      for (int i = 0; i < d.gaps; i++) {
        largest.add(new IdleGap(d.gapStart[i], d.gapLen[i], names.apply(d.gapBefore[i]), names.apply(d.gapAfter[i])));
      }
      largest.sort(Comparator.comparingLong(IdleGap::durationNs).reversed().thenComparingLong(IdleGap::startNs));
      List<GapBucket> buckets = new ArrayList<>();
      for (int b = 0; b < BUCKET_LABELS.length; b++) {
        buckets.add(new GapBucket(BUCKET_LABELS[b], d.bucketCount[b], d.bucketNs[b]));
      }
      out.add(new DeviceIdle(d.id, d.first, d.curEnd, span, busy, span - busy,
          Num.pct(span - busy, span), d.gapCount, buckets, largest));
    }
    return out;
  }

  /** A gap between GPU operations: {@code before} ended at {@code startNs}, {@code after} starts after it. */
  public record IdleGap(long startNs, long durationNs, String before, String after) {}

  /** Gaps whose length falls in one size range. */
  public record GapBucket(String range, long count, long totalNs) {}

  /** Idle time on one device between its first GPU operation's start and its last one's end. */
  public record DeviceIdle(
      int device,
      long firstStartNs,
      long lastEndNs,
      long spanNs,
      long busyNs,
      long idleNs,
      double idlePct,
      long gapCount,
      List<GapBucket> gapsBySize,
      List<IdleGap> largestGaps) {}
}
