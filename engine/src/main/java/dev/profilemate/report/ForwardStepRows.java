package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import dev.profilemate.report.SessionRows.ForwardStep;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * forward_pass_timing.csv in time order, held as columns (a ForwardStep is made when a row is
 * read): scheduler steps are joined to their forward time, and step times are drawn per phase.
 */
final class ForwardStepRows extends AbstractList<ForwardStep> implements RandomAccess {
  static final ForwardStepRows EMPTY = new Reader(CsvRows.Header.NONE, 0).rows();

  private final double[] time;
  private final WholeColumn phase;
  private final List<String> phases;
  private final WholeColumn batchSize;
  private final WholeColumn numTokens;
  private final DecimalColumn forwardMs;

  private ForwardStepRows(Reader r) {
    int[] order = TimeOrder.of(r.time);
    this.time = (order == null ? r.time : r.time.permuted(order)).toArray();
    this.phase = order == null ? r.phase : r.phase.permuted(order);
    this.phases = r.phases.texts();
    this.batchSize = order == null ? r.batchSize : r.batchSize.permuted(order);
    this.numTokens = order == null ? r.numTokens : r.numTokens.permuted(order);
    this.forwardMs = order == null ? r.forwardMs : r.forwardMs.permuted(order);
  }

  @Override
  public ForwardStep get(int i) {
    return new ForwardStep(time[i], phases.get((int) phase.get(i)), batchSize.get(i), numTokens.get(i),
        forwardMs.get(i));
  }

  @Override
  public int size() {
    return time.length;
  }

  /** Each step's time, ascending (shared: not to be changed). */
  double[] times() {
    return time;
  }

  /** The forward time of row i, without making the row. */
  double forwardMs(int i) {
    return forwardMs.get(i);
  }

  /** Reads the rows of one file; {@link #rows()} once the file is read. */
  static final class Reader implements CsvRows.Sink {
    private final int t;
    private final int ph;
    private final int batch;
    private final int tokens;
    private final int ms;
    private final DoubleColumn time;
    private final WholeColumn phase;
    private final Labels phases = new Labels();
    private final WholeColumn batchSize;
    private final WholeColumn numTokens;
    private final DecimalColumn forwardMs;

    /** {@code capacity}: at least the file's rows (its line count). */
    Reader(CsvRows.Header h, int capacity) {
      time = new DoubleColumn(capacity);
      phase = new WholeColumn(capacity);
      batchSize = new WholeColumn(capacity);
      numTokens = new WholeColumn(capacity);
      forwardMs = new DecimalColumn(capacity, 3);
      t = h.index("timestamp_sec");
      ph = h.index("phase");
      batch = h.index("batch_size");
      tokens = h.index("num_tokens");
      ms = h.index("forward_time_ms");
    }

    @Override
    public void row(CsvRows.Row r) {
      time.add(r.number(t));
      phase.add(phases.code(r.label(ph)));
      batchSize.add(r.whole(batch));
      numTokens.add(r.whole(tokens));
      forwardMs.add(r.number(ms));
    }

    ForwardStepRows rows() {
      return new ForwardStepRows(this);
    }
  }
}
