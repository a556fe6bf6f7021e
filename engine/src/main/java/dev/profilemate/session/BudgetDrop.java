package dev.profilemate.session;

import dev.profilemate.common.Fmt;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Consecutive segments of one process's spool that the session's disk budget deleted: a stated
 * loss of known size, not damage (the export is not partial for it; metadata.json says it).
 */
public record BudgetDrop(String stream, int fromSegment, int toSegment, long firstNs, long lastNs, long records,
    long bytes, long budgetBytes) {

  /** "engine_core-7.pmspool: 1234 records from 0.5–61.2 s dropped by the disk budget (…)". */
  public String describe(long sessionStartNs) {
    String segs = fromSegment == toSegment ? "segment " + fromSegment : "segments " + fromSegment + "-" + toSegment;
    return stream + ": " + records + " records from " + Fmt.sec((firstNs - sessionStartNs) / 1e9) + "–"
        + Fmt.sec((lastNs - sessionStartNs) / 1e9) + " s dropped by the disk budget (" + segs + ", "
        + bytes + " bytes; budget " + (budgetBytes % (1 << 20) == 0 ? (budgetBytes >> 20) + " MiB" : budgetBytes + " bytes")
        + ")";
  }

  /** Dropped segments grouped into runs of consecutive numbers per stream, in stream then segment order. */
  static List<BudgetDrop> group(List<SegmentIndex.Dropped> segments) {
    List<SegmentIndex.Dropped> sorted = new ArrayList<>(segments);
    sorted.sort(Comparator.comparing(SegmentIndex.Dropped::stem).thenComparingInt(SegmentIndex.Dropped::segment));
    List<BudgetDrop> out = new ArrayList<>();
    BudgetDrop run = null;
    for (SegmentIndex.Dropped d : sorted) {
      String stream = d.stem() + SessionReader.SPOOL_SUFFIX;
      if (run != null && run.stream.equals(stream) && run.toSegment + 1 == d.segment()) {
        run = new BudgetDrop(stream, run.fromSegment, d.segment(), Math.min(run.firstNs, d.firstNs()),
            Math.max(run.lastNs, d.lastNs()), run.records + d.records(), run.bytes + d.bytes(), d.budgetBytes());
        out.set(out.size() - 1, run);
      } else {
        run = new BudgetDrop(stream, d.segment(), d.segment(), d.firstNs(), d.lastNs(), d.records(), d.bytes(),
            d.budgetBytes());
        out.add(run);
      }
    }
    return out;
  }
}
