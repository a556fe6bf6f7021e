package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import dev.profilemate.report.SessionRows.SchedulerStep;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * batch_utilization.csv in time order, held as columns (a SchedulerStep is made when a row is
 * read): the slow-request analysis walks the steps each request lived through, and the batch
 * charts need every step to thin them evenly.
 */
final class SchedulerStepRows extends AbstractList<SchedulerStep> implements RandomAccess {
  static final SchedulerStepRows EMPTY = new Reader(CsvRows.Header.NONE, 0).rows();

  private final double[] time;
  private final WholeColumn numSeqs;
  private final WholeColumn maxNumSeqs;
  private final DecimalColumn seqUtilizationPct;
  private final WholeColumn numTokens;
  private final WholeColumn maxTokens;
  private final DecimalColumn tokenUtilizationPct;
  private final WholeColumn phase;
  private final List<String> phases;
  private final WholeColumn runningQueueLen;
  private final WholeColumn waitingQueueLen;
  private final DecimalColumn prefillTokens;
  /** The EngineCore's data-parallel rank, −1 where the row has none (one engine, older sessions). */
  private final WholeColumn dpRank;

  private SchedulerStepRows(Reader r) {
    int[] order = TimeOrder.of(r.time);
    this.time = (order == null ? r.time : r.time.permuted(order)).toArray();
    this.numSeqs = ordered(r.numSeqs, order);
    this.maxNumSeqs = ordered(r.maxNumSeqs, order);
    this.seqUtilizationPct = ordered(r.seqUtilizationPct, order);
    this.numTokens = ordered(r.numTokens, order);
    this.maxTokens = ordered(r.maxTokens, order);
    this.tokenUtilizationPct = ordered(r.tokenUtilizationPct, order);
    this.phase = ordered(r.phase, order);
    this.phases = r.phases.texts();
    this.runningQueueLen = ordered(r.runningQueueLen, order);
    this.waitingQueueLen = ordered(r.waitingQueueLen, order);
    this.prefillTokens = ordered(r.prefillTokens, order);
    this.dpRank = ordered(r.dpRank, order);
  }

  private static WholeColumn ordered(WholeColumn c, int[] order) {
    return order == null ? c : c.permuted(order);
  }

  private static DecimalColumn ordered(DecimalColumn c, int[] order) {
    return order == null ? c : c.permuted(order);
  }

  @Override
  public SchedulerStep get(int i) {
    return new SchedulerStep(time[i], numSeqs.get(i), maxNumSeqs.get(i), seqUtilizationPct.get(i), numTokens.get(i),
        maxTokens.get(i), tokenUtilizationPct.get(i), phases.get((int) phase.get(i)), runningQueueLen.get(i),
        waitingQueueLen.get(i), prefillTokens.get(i));
  }

  @Override
  public int size() {
    return time.length;
  }

  /** The data-parallel rank of the EngineCore that ran step i, −1 where none was recorded. */
  long dpRank(int i) {
    return dpRank.get(i);
  }

  /** Each step's time, ascending (shared: not to be changed). */
  double[] times() {
    return time;
  }

  /** Reads the rows of one file; {@link #rows()} once the file is read. */
  static final class Reader implements CsvRows.Sink {
    private final int[] col;
    private final DoubleColumn time;
    private final WholeColumn numSeqs;
    private final WholeColumn maxNumSeqs;
    private final DecimalColumn seqUtilizationPct;
    private final WholeColumn numTokens;
    private final WholeColumn maxTokens;
    private final DecimalColumn tokenUtilizationPct;
    private final WholeColumn phase;
    private final Labels phases = new Labels();
    private final WholeColumn runningQueueLen;
    private final WholeColumn waitingQueueLen;
    private final DecimalColumn prefillTokens;
    private final WholeColumn dpRank;

    /** {@code capacity}: at least the file's rows (its line count). */
    Reader(CsvRows.Header h, int capacity) {
      time = new DoubleColumn(capacity);
      numSeqs = new WholeColumn(capacity);
      maxNumSeqs = new WholeColumn(capacity);
      seqUtilizationPct = new DecimalColumn(capacity, 2);
      numTokens = new WholeColumn(capacity);
      maxTokens = new WholeColumn(capacity);
      tokenUtilizationPct = new DecimalColumn(capacity, 2);
      phase = new WholeColumn(capacity);
      runningQueueLen = new WholeColumn(capacity);
      waitingQueueLen = new WholeColumn(capacity);
      prefillTokens = new DecimalColumn(capacity, 0);
      dpRank = new WholeColumn(capacity);
      col = new int[] {h.index("timestamp_sec"), h.index("num_seqs"), h.index("max_num_seqs"),
          h.index("seq_utilization_pct"), h.index("num_tokens"), h.index("max_tokens"),
          h.index("token_utilization_pct"), h.index("phase"), h.index("running_queue_len"),
          h.index("waiting_queue_len"), h.index("num_prefill_tokens"), h.index("dp_rank")};
    }

    @Override
    public void row(CsvRows.Row r) {
      time.add(r.number(col[0]));
      numSeqs.add(r.whole(col[1]));
      maxNumSeqs.add(r.whole(col[2]));
      seqUtilizationPct.add(r.number(col[3]));
      numTokens.add(r.whole(col[4]));
      maxTokens.add(r.whole(col[5]));
      tokenUtilizationPct.add(r.number(col[6]));
      phase.add(phases.code(r.label(col[7])));
      runningQueueLen.add(r.whole(col[8]));
      waitingQueueLen.add(r.whole(col[9]));
      prefillTokens.add(r.number(col[10]));
      double dp = r.number(col[11]); // an empty cell: the process recorded no rank
      dpRank.add(Double.isNaN(dp) ? -1 : Math.round(dp));
    }

    SchedulerStepRows rows() {
      return new SchedulerStepRows(this);
    }
  }
}
