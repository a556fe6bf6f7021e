package dev.profilemate.report;

import dev.profilemate.kernel.IdleGapTracker;
import java.util.ArrayList;
import java.util.List;

/**
 * GPU idle time between operations, per device and over all devices. Gaps of {@value
 * #LONG_GAP_MS} ms or more are set apart: they are pauses between requests, start-up or model
 * loading rather than per-step overhead, so {@code idlePctWithoutLongGaps} leaves them out of both
 * idle time and span.
 */
record GpuIdle(double spanMs, double busyMs, double idleMs, double idlePct, long gapCount, double longGapMs,
    long longGaps, double idlePctWithoutLongGaps, List<Device> devices) {

  static final double LONG_GAP_MS = 10;
  static final String LONG_BUCKET = ">=10ms";
  static final int SHOWN_GAPS = 5;

  record Device(int device, double spanMs, double busyMs, double idleMs, double idlePct, long gapCount,
      double idlePctWithoutLongGaps, List<Bucket> gapsBySize, List<Gap> largestGaps) {}

  record Bucket(String range, long count, double ms) {}

  /** {@code atSec}: seconds after the device's first operation started. */
  record Gap(double atSec, double ms, String before, String after) {}

  static GpuIdle of(List<IdleGapTracker.DeviceIdle> idle) {
    List<Device> devices = new ArrayList<>();
    double span = 0;
    double busy = 0;
    double idleMs = 0;
    double longMs = 0;
    long gaps = 0;
    long longGaps = 0;
    for (IdleGapTracker.DeviceIdle d : idle) {
      List<Bucket> buckets = new ArrayList<>();
      double devLong = 0;
      for (IdleGapTracker.GapBucket b : d.gapsBySize()) {
        buckets.add(new Bucket(b.range(), b.count(), KernelTimeline.ms(b.totalNs())));
        if (b.range().equals(LONG_BUCKET)) {
          devLong = KernelTimeline.ms(b.totalNs());
          longGaps += b.count();
        }
      }
      List<Gap> largest = new ArrayList<>();
      for (IdleGapTracker.IdleGap g : d.largestGaps().subList(0, Math.min(SHOWN_GAPS, d.largestGaps().size()))) {
        largest.add(new Gap((g.startNs() - d.firstStartNs()) / 1e9, KernelTimeline.ms(g.durationNs()), g.before(),
            g.after()));
      }
      double dSpan = KernelTimeline.ms(d.spanNs());
      double dIdle = KernelTimeline.ms(d.idleNs());
      devices.add(new Device(d.device(), dSpan, KernelTimeline.ms(d.busyNs()), dIdle, d.idlePct(), d.gapCount(),
          pct(dIdle - devLong, dSpan - devLong), List.copyOf(buckets), List.copyOf(largest)));
      span += dSpan;
      busy += KernelTimeline.ms(d.busyNs());
      idleMs += dIdle;
      longMs += devLong;
      gaps += d.gapCount();
    }
    return new GpuIdle(span, busy, idleMs, pct(idleMs, span), gaps, longMs, longGaps, pct(idleMs - longMs, span - longMs),
        List.copyOf(devices));
  }

  boolean recorded() {
    return !devices.isEmpty();
  }

  private static double pct(double part, double whole) {
    return whole > 0 ? 100.0 * part / whole : Double.NaN;
  }
}
