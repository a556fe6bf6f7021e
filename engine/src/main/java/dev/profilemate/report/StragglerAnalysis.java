package dev.profilemate.report;

import dev.profilemate.common.CsvRows;
import dev.profilemate.common.Num;
import dev.profilemate.export.SessionFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tensor-parallel stragglers, from rank_stragglers.csv: per TP group (DP rank, PP rank), which rank
 * was most often the last to end its forward pass, how far behind the median (the others wait that
 * long at the step's next collective), and whether the lag arose before the forward or in it.
 * Streamed: one pass over the file, a Distribution per group.
 */
record StragglerAnalysis(SectionStatus status, String headline, List<Group> groups) {

  /** One TP group over the session; lags in ms. */
  record Group(int dpRank, int ppRank, int tpSize, long steps, int usualStraggler, double usualStragglerPct,
      Distribution.Summary lagMs, double totalLagSec, double beforeForwardPct) {}

  static StragglerAnalysis of(SessionData s) {
    if (s.dir() == null) {
      return none(SectionStatus.NO_SESSION);
    }
    Path file = s.dir().resolve(SessionFile.RANK_STRAGGLERS.fileName);
    if (!Files.isRegularFile(file)) {
      return none(SessionFile.RANK_STRAGGLERS.fileName + " is not in the session folder (exported before "
          + "ProfileMate wrote it)");
    }
    Map<List<Integer>, Acc> byGroup = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0))
        ? Integer.compare(a.get(1), b.get(1)) : Integer.compare(a.get(0), b.get(0)));
    CsvRows.read(file, h -> {
      int[] c = {h.index("dp_rank"), h.index("pp_rank"), h.index("tp_size"), h.index("slowest_tp_rank"),
          h.index("lag_ms"), h.index("lag_in")};
      return r -> {
        Acc a = byGroup.computeIfAbsent(List.of((int) r.whole(c[0]), (int) r.whole(c[1])), k -> new Acc());
        a.tpSize = (int) r.whole(c[2]);
        a.slowest.merge((int) r.whole(c[3]), 1L, Long::sum);
        a.lag.add(r.number(c[4]));
        a.before += "before_forward".equals(r.label(c[5])) ? 1 : 0;
      };
    });
    if (byGroup.isEmpty()) {
      return none("no tensor-parallel group in this session (one GPU per engine, or the workers recorded no "
          + "parallel identity): rank_stragglers.csv has its header alone");
    }
    List<Group> groups = new ArrayList<>();
    byGroup.forEach((k, a) -> {
      Distribution.Summary lag = a.lag.summary();
      Map.Entry<Integer, Long> top = a.slowest.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
      groups.add(new Group(k.get(0), k.get(1), a.tpSize, lag.count(), top.getKey(), 100.0 * top.getValue() / lag.count(),
          lag, lag.total() / 1e3, 100.0 * a.before / lag.count()));
    });
    Group worst = groups.stream().max((a, b) -> Double.compare(a.totalLagSec(), b.totalLagSec())).orElseThrow();
    String headline = (groups.size() == 1 ? "In the TP group of " : "Of " + groups.size() + " TP groups, the one losing "
        + "most to stragglers is that of ") + "DP rank " + worst.dpRank() + (worst.ppRank() > 0 ? ", PP rank "
        + worst.ppRank() : "") + ": TP rank " + worst.usualStraggler() + " ended last in "
        + Num.pct(worst.usualStragglerPct()) + " of " + worst.steps() + " steps; the last rank ended "
        + Num.ms(worst.lagMs().mean()) + " after the median on average (p99 " + Num.ms(worst.lagMs().p99())
        + "), " + Num.sec(worst.totalLagSec()) + " in all; the lag arose before the forward (a late start: input "
        + "preparation, host work) in " + Num.pct(worst.beforeForwardPct()) + " of steps and in the forward in "
        + Num.pct(100 - worst.beforeForwardPct()) + ".";
    return new StragglerAnalysis(SectionStatus.RECORDED, headline, groups);
  }

  private static final class Acc {
    int tpSize;
    long before;
    final Map<Integer, Long> slowest = new TreeMap<>();
    final Distribution lag = new Distribution();
  }

  private static StragglerAnalysis none(String why) {
    return new StragglerAnalysis(SectionStatus.notRecorded(why), "", List.of());
  }
}
