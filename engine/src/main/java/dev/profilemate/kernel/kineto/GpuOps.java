package dev.profilemate.kernel.kineto;

import java.util.Arrays;

/**
 * GPU operations of a trace in compact primitive arrays (about 30 bytes each), since Chrome-trace
 * events come in no guaranteed order and the idle and phase sweeps need them sorted by start.
 */
final class GpuOps {
  int size;
  long[] start = new long[1024];
  long[] end = new long[1024];
  long[] corr = new long[1024];
  int[] device = new int[1024];
  /** Index into the analyzer's name list, or -1 - index for memory operations. */
  int[] name = new int[1024];
  boolean[] graphArg = new boolean[1024];

  void add(long s, long e, int dev, int nameRef, long correlation, boolean graph) {
    if (size == start.length) {
      int n = size * 2;
      start = Arrays.copyOf(start, n);
      end = Arrays.copyOf(end, n);
      corr = Arrays.copyOf(corr, n);
      device = Arrays.copyOf(device, n);
      name = Arrays.copyOf(name, n);
      graphArg = Arrays.copyOf(graphArg, n);
    }
    start[size] = s;
    end[size] = e;
    device[size] = dev;
    name[size] = nameRef;
    corr[size] = correlation;
    graphArg[size] = graph;
    size++;
  }

  /** Indices ordered by (device, start, end), with a merge sort on primitive arrays. */
  int[] order() {
    int[] a = new int[size];
    for (int i = 0; i < size; i++) {
      a[i] = i;
    }
    int[] b = new int[size];
    for (int width = 1; width < size; width *= 2) {
      for (int lo = 0; lo < size; lo += 2 * width) {
        int mid = Math.min(lo + width, size);
        int hi = Math.min(lo + 2 * width, size);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          b[k++] = less(a[j], a[i]) ? a[j++] : a[i++];
        }
        while (i < mid) {
          b[k++] = a[i++];
        }
        while (j < hi) {
          b[k++] = a[j++];
        }
      }
      int[] t = a;
      a = b;
      b = t;
    }
    return a;
  }

  private boolean less(int x, int y) {
    if (device[x] != device[y]) {
      return device[x] < device[y];
    }
    if (start[x] != start[y]) {
      return start[x] < start[y];
    }
    return end[x] < end[y];
  }
}
