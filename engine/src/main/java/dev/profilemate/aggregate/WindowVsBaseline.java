package dev.profilemate.aggregate;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * p99 of a series over the last {@code window} seconds against its p99 over the {@code baseline}
 * seconds before that window, as values arrive in time order. Values are kept per whole second;
 * each second that closes moves from the window into the baseline and later out, so the two
 * histograms (HdrHistogram, 2 significant digits: ±1 %, plenty for a 2× alarm) are updated by
 * adding and subtracting one second's values, never rebuilt. Memory: the values of
 * window + baseline seconds.
 */
final class WindowVsBaseline implements java.io.Serializable {
  /** One evaluation, when a second with values closed; p99s in the series' unit (ns). */
  record Check(double atSec, long windowCount, long baselineCount, long windowP99, long baselineP99) {}

  private record Second(long index, long[] values) implements java.io.Serializable {}

  private final double windowSec;
  private final double baselineSec;
  private final ArrayDeque<Second> inWindow = new ArrayDeque<>();
  private final ArrayDeque<Second> inBaseline = new ArrayDeque<>();
  private final Histogram window = new Histogram(2);
  private final Histogram baseline = new Histogram(2);
  private final Histogram scratch = new Histogram(2);
  private long current = Long.MIN_VALUE;
  private long[] values = new long[16];
  private int n;

  WindowVsBaseline(double windowSec, double baselineSec) {
    this.windowSec = windowSec;
    this.baselineSec = baselineSec;
  }

  /** Adds a value at tSec; returns the check of the second that this value closed, or null. */
  Check add(double tSec, long value) {
    Check c = advance(tSec);
    values = n == values.length ? Arrays.copyOf(values, n * 2) : values;
    values[n++] = Math.max(0, value);
    return c;
  }

  /** Closes the current second if tSec is past it: the check at its end, or null. */
  Check advance(double tSec) {
    long sec = (long) Math.floor(tSec);
    if (sec <= current || current == Long.MIN_VALUE) {
      current = Math.max(current, sec);
      return null;
    }
    Check c = null;
    if (n > 0) {
      Second closed = new Second(current, Arrays.copyOf(values, n));
      for (long v : closed.values()) {
        window.recordValue(v);
      }
      inWindow.addLast(closed);
      n = 0;
      expire(current + 1);
      c = new Check(current + 1, window.getTotalCount(), baseline.getTotalCount(),
          window.getValueAtPercentile(99), baseline.getTotalCount() == 0 ? 0 : baseline.getValueAtPercentile(99));
    }
    current = sec;
    return c;
  }

  /** Moves seconds that ended windowSec before endSec into the baseline, and out of it baselineSec later. */
  private void expire(long endSec) {
    while (!inWindow.isEmpty() && inWindow.peekFirst().index() + 1 <= endSec - windowSec) {
      Second s = inWindow.pollFirst();
      move(s, window, baseline);
      inBaseline.addLast(s);
    }
    while (!inBaseline.isEmpty() && inBaseline.peekFirst().index() + 1 <= endSec - windowSec - baselineSec) {
      move(inBaseline.pollFirst(), baseline, null);
    }
  }

  private void move(Second s, Histogram from, Histogram to) {
    scratch.reset();
    for (long v : s.values()) {
      scratch.recordValue(v);
    }
    from.subtract(scratch);
    if (to != null) {
      to.add(scratch);
    }
  }
}
