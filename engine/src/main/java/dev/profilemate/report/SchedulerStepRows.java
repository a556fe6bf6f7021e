package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import dev.profilemate.report.SessionRows.SchedulerStep;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;

/**
 * batch_utilization.csv in time order, held as columns (a SchedulerStep is made when a row is
 * read): the slow-request analysis walks the steps each request lived through, and the batch
 * charts need every step to thin them evenly.
 */
final class SchedulerStepRows extends AbstractList<SchedulerStep> implements RandomAccess {
  static final SchedulerStepRows EMPTY = new Reader(CsvRows.Header.NONE).rows();

  private final double[] time;
  private final WholeColumn numSeqs;
  private final WholeColumn maxNumSeqs;
  private final DoubleColumn seqUtilizationPct;
  private final WholeColumn numTokens;
  private final WholeColumn maxTokens;
  private final DoubleColumn tokenUtilizationPct;
  private final WholeColumn phase;
  private final List<String> phases;
  private final WholeColumn runningQueueLen;
  private final WholeColumn waitingQueueLen;
  private final DoubleColumn prefillTokens;

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
    this.phases = List.copyOf(r.phases);
    this.runningQueueLen = ordered(r.runningQueueLen, order);
    this.waitingQueueLen = ordered(r.waitingQueueLen, order);
    this.prefillTokens = ordered(r.prefillTokens, order);
  }

  private static WholeColumn ordered(WholeColumn c, int[] order) {
    return order == null ? c.trimmed() : c.permuted(order);
  }

  private static DoubleColumn ordered(DoubleColumn c, int[] order) {
    return order == null ? c.trimmed() : c.permuted(order);
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

  /** Each step's time, ascending (shared: not to be changed). */
  double[] times() {
    return time;
  }

  /** Reads the rows of one file; {@link #rows()} once the file is read. */
  static final class Reader implements CsvRows.Sink {
    private final int[] col;
    private final DoubleColumn time = new DoubleColumn();
    private final WholeColumn numSeqs = new WholeColumn();
    private final WholeColumn maxNumSeqs = new WholeColumn();
    private final DoubleColumn seqUtilizationPct = new DoubleColumn();
    private final WholeColumn numTokens = new WholeColumn();
    private final WholeColumn maxTokens = new WholeColumn();
    private final DoubleColumn tokenUtilizationPct = new DoubleColumn();
    private final WholeColumn phase = new WholeColumn();
    private final List<String> phases = new ArrayList<>();
    private final WholeColumn runningQueueLen = new WholeColumn();
    private final WholeColumn waitingQueueLen = new WholeColumn();
    private final DoubleColumn prefillTokens = new DoubleColumn();

    Reader(CsvRows.Header h) {
      col = new int[] {h.index("timestamp_sec"), h.index("num_seqs"), h.index("max_num_seqs"),
          h.index("seq_utilization_pct"), h.index("num_tokens"), h.index("max_tokens"),
          h.index("token_utilization_pct"), h.index("phase"), h.index("running_queue_len"),
          h.index("waiting_queue_len"), h.index("num_prefill_tokens")};
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
      phase.add(Labels.code(phases, r.label(col[7])));
      runningQueueLen.add(r.whole(col[8]));
      waitingQueueLen.add(r.whole(col[9]));
      prefillTokens.add(r.number(col[10]));
    }

    SchedulerStepRows rows() {
      return new SchedulerStepRows(this);
    }
  }
}
