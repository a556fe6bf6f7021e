package dev.profilemate.report;

import dev.profilemate.common.Num;
import dev.profilemate.report.SessionRows.SchedulerStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Data-parallel (DP) load balance: how the scheduled tokens and requests split over the DP ranks'
 * EngineCores (batch_utilization.csv's dp_rank), over the whole session and window by window, and
 * where requests queued. vLLM's API server picks a DP rank per request by its queue lengths; with
 * an MoE model under expert parallelism every DP rank steps together, so the busiest one sets the
 * pace of all (the others run dummy batches meanwhile).
 */
record DataParallelAnalysis(
    SectionStatus status,
    int ranks,
    double windowSec,
    double tokenImbalance,
    Distribution.Summary windowImbalance,
    String headline,
    List<Rank> perRank) {

  /** Windows over the session: enough to see a drift, few enough that each holds many steps. */
  static final int WINDOWS = 60;

  /** One DP rank over the session. */
  record Rank(long dpRank, long steps, long tokens, double tokenSharePct, double meanRunning, double meanWaiting,
      double pctStepsWithWaiting) {}

  static DataParallelAnalysis of(SessionData s) {
    SchedulerStepRows rows = s.steps();
    Map<Long, long[]> sums = new TreeMap<>(); // rank -> steps, tokens, running, waiting, steps with waiting
    for (int i = 0; i < rows.size(); i++) {
      long dp = rows.dpRank(i);
      if (dp < 0) {
        continue;
      }
      SchedulerStep st = rows.get(i);
      long[] a = sums.computeIfAbsent(dp, k -> new long[5]);
      a[0]++;
      a[1] += st.numTokens();
      a[2] += st.runningQueueLen();
      a[3] += st.waitingQueueLen();
      a[4] += st.waitingQueueLen() > 0 ? 1 : 0;
    }
    if (sums.size() < 2) {
      return none(sums.isEmpty()
          ? "no data-parallel ranks in batch_utilization.csv (one engine, or a session recorded before ranks were)"
          : "one data-parallel rank (" + sums.keySet().iterator().next() + ") in this session");
    }
    long total = sums.values().stream().mapToLong(a -> a[1]).sum();
    int ranks = sums.size();
    List<Rank> perRank = new ArrayList<>();
    long busiest = 0;
    for (Map.Entry<Long, long[]> e : sums.entrySet()) {
      long[] a = e.getValue();
      busiest = Math.max(busiest, a[1]);
      perRank.add(new Rank(e.getKey(), a[0], a[1], total > 0 ? 100.0 * a[1] / total : Double.NaN,
          (double) a[2] / a[0], (double) a[3] / a[0], 100.0 * a[4] / a[0]));
    }
    double imbalance = total > 0 ? busiest / ((double) total / ranks) : Double.NaN;
    double[] times = rows.times();
    double span = times.length == 0 ? 0 : times[times.length - 1] - times[0];
    double window = span > 0 ? span / WINDOWS : 1;
    Distribution perWindow = windows(rows, sums, window);
    Distribution.Summary w = perWindow.summary();
    return new DataParallelAnalysis(SectionStatus.RECORDED, ranks, window, imbalance, w,
        headline(perRank, imbalance, w, window), perRank);
  }

  /**
   * Per window with tokens scheduled: busiest rank's tokens / the mean over all ranks. The session
   * is cut in {@link #WINDOWS} equal windows; the last step falls in the last one (not one of its own).
   */
  private static Distribution windows(SchedulerStepRows rows, Map<Long, long[]> ranks, double window) {
    List<Long> index = new ArrayList<>(ranks.keySet());
    double[] times = rows.times();
    long[][] tokens = new long[WINDOWS][index.size()];
    for (int i = 0; i < rows.size(); i++) {
      long dp = rows.dpRank(i);
      if (dp >= 0) {
        int w = (int) Math.min(WINDOWS - 1, Math.floor((times[i] - times[0]) / window));
        tokens[w][index.indexOf(dp)] += rows.get(i).numTokens();
      }
    }
    Distribution d = new Distribution();
    for (long[] w : tokens) {
      long sum = 0;
      long max = 0;
      for (long t : w) {
        sum += t;
        max = Math.max(max, t);
      }
      if (sum > 0) {
        d.add(max / ((double) sum / w.length));
      }
    }
    return d;
  }

  private static String headline(List<Rank> perRank, double imbalance, Distribution.Summary w, double window) {
    Rank top = perRank.get(0);
    Rank queued = perRank.get(0);
    for (Rank r : perRank) {
      top = r.tokens() > top.tokens() ? r : top;
      queued = r.pctStepsWithWaiting() > queued.pctStepsWithWaiting() ? r : queued;
    }
    StringBuilder b = new StringBuilder();
    b.append(perRank.size()).append(" DP ranks: rank ").append(top.dpRank()).append(" scheduled ")
        .append(Num.pct(top.tokenSharePct())).append(" of the tokens (").append(Num.f(imbalance, 2))
        .append("× the mean)");
    if (w.count() > 0) {
      b.append("; window by window (").append(Num.sec(window)).append(") the busiest rank carried ")
          .append(Num.f(w.p50(), 2)).append("× the mean at the median, ").append(Num.f(w.p95(), 2))
          .append("× at p95");
    }
    b.append('.');
    Rank calm = perRank.get(0);
    for (Rank r : perRank) {
      calm = r.pctStepsWithWaiting() < calm.pctStepsWithWaiting() ? r : calm;
    }
    if (queued.pctStepsWithWaiting() > 0 && queued != calm) {
      b.append(" Requests waited in ").append(Num.pct(queued.pctStepsWithWaiting())).append(" of rank ")
          .append(queued.dpRank()).append("'s steps against ").append(Num.pct(calm.pctStepsWithWaiting()))
          .append(" of rank ").append(calm.dpRank()).append("'s: the API server sent it more than it could take.");
    }
    return b.toString();
  }

  private static DataParallelAnalysis none(String why) {
    return new DataParallelAnalysis(SectionStatus.notRecorded(why), 0, Double.NaN, Double.NaN,
        Distribution.Summary.EMPTY, "", List.of());
  }
}
