package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import dev.profilemate.report.SessionRows.KvSample;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * kv_cache_usage.csv in time order, held as columns (a KvSample is made when a row is read): the
 * report joins scheduler and forward steps to the usage at their time, and draws it over time.
 */
final class KvUsageRows extends AbstractList<KvSample> implements RandomAccess {
  static final KvUsageRows EMPTY = new Reader(CsvRows.Header.NONE, 0).rows();

  private final double[] time;
  private final DecimalColumn usagePct;
  private final WholeColumn usedBlocks;
  private final WholeColumn totalBlocks;

  private KvUsageRows(DoubleColumn time, DecimalColumn usagePct, WholeColumn usedBlocks, WholeColumn totalBlocks) {
    int[] order = TimeOrder.of(time);
    if (order != null) {
      time = time.permuted(order);
      usagePct = usagePct.permuted(order);
      usedBlocks = usedBlocks.permuted(order);
      totalBlocks = totalBlocks.permuted(order);
    }
    this.time = time.toArray();
    this.usagePct = usagePct;
    this.usedBlocks = usedBlocks;
    this.totalBlocks = totalBlocks;
  }

  @Override
  public KvSample get(int i) {
    return new KvSample(time[i], usagePct.get(i), usedBlocks.get(i), totalBlocks.get(i));
  }

  @Override
  public int size() {
    return time.length;
  }

  /** Each row's time, ascending (shared: not to be changed). */
  double[] times() {
    return time;
  }

  /** Reads the rows of one file; {@link #rows()} once the file is read. */
  static final class Reader implements CsvRows.Sink {
    private final int t;
    private final int pct;
    private final int used;
    private final int total;
    private final DoubleColumn time;
    private final DecimalColumn usage;
    private final WholeColumn usedBlocks;
    private final WholeColumn totalBlocks;

    /** {@code capacity}: at least the file's rows (its line count). */
    Reader(CsvRows.Header h, int capacity) {
      time = new DoubleColumn(capacity);
      usage = new DecimalColumn(capacity, 2);
      usedBlocks = new WholeColumn(capacity);
      totalBlocks = new WholeColumn(capacity);
      t = h.index("timestamp_sec");
      pct = h.index("usage_pct");
      used = h.index("num_blocks");
      total = h.index("total_blocks");
    }

    @Override
    public void row(CsvRows.Row r) {
      time.add(r.number(t));
      usage.add(r.number(pct));
      usedBlocks.add(r.whole(used));
      totalBlocks.add(r.whole(total));
    }

    KvUsageRows rows() {
      return new KvUsageRows(time, usage, usedBlocks, totalBlocks);
    }
  }
}
