package dev.profilemate.query;

import java.util.List;
import java.util.TreeSet;

/**
 * The value of the dataset's rank=… partition of a row. Today a session file's rows do not say
 * which process wrote them, so the value is the session's: its processes' one rank (a DP/TP
 * deployment of one rank per node), or "all" when its processes had several. Once the CSVs carry
 * a per-row rank column, this is the one place that switches to it (and {@link #COLUMNS} lists it).
 */
final class RankPartition {
  private RankPartition() {}

  /** Per-row rank columns, tried in this order; none of today's session files has one. */
  static final List<String> COLUMNS = List.of("rank");
  /** The value for the rows of a session whose processes had several ranks. */
  static final String SEVERAL = "all";

  /** A SQL expression (VARCHAR) for a row's partition value, over a file with these columns. */
  static String sql(List<String> columns, ExportedSession s) {
    for (String c : COLUMNS) {
      if (columns.contains(c)) {
        return "CAST(" + Sql.ident(c) + " AS VARCHAR)";
      }
    }
    return Sql.literal(ofSession(s.processRanks()));
  }

  /** The session's one rank; -1 (the probe could not tell, e.g. an offline LLM(...) script) counts as 0. */
  static String ofSession(TreeSet<Integer> processRanks) {
    TreeSet<Integer> known = new TreeSet<>(processRanks);
    known.remove(-1);
    if (known.size() > 1) {
      return SEVERAL;
    }
    return known.isEmpty() ? "0" : String.valueOf(known.first());
  }
}
