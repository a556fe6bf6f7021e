package dev.profilemate.query;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The value of the dataset's rank=… partition of a row, decided here alone. A file whose rows carry
 * their process's parallel ranks (dp_rank, pp_rank, tp_rank, ep_rank) is partitioned by them: the
 * ranks the row has, as dp0-pp0-tp1-ep1 (an EngineCore's rows, with a DP rank only: dp0). Rows
 * without them (files that merge several processes, or a process that recorded no identity) take
 * the session's value: its processes' one rank (metadata.json processes[].rank; -1, unknown, counts
 * as 0), or "all" when they had several.
 */
final class RankPartition {
  private RankPartition() {}

  /** The per-row rank columns, in the order they make the value; each adds its prefix and number. */
  static final List<String> COLUMNS = List.of("dp_rank", "pp_rank", "tp_rank", "ep_rank");
  /** The session's value when its processes had several ranks and the rows do not say which. */
  static final String SEVERAL = "all";

  /** A SQL expression (VARCHAR) for a row's partition value, over a file with these columns. */
  static String sql(List<String> columns, ExportedSession s) {
    return sql(columns, ofSession(s.processRanks()));
  }

  static String sql(List<String> columns, String sessionValue) {
    List<String> parts = new ArrayList<>();
    for (String c : COLUMNS) {
      if (columns.contains(c)) {
        String v = "NULLIF(CAST(" + Sql.ident(c) + " AS VARCHAR), '')";
        parts.add("CASE WHEN " + v + " IS NOT NULL THEN concat(" + Sql.literal(c.substring(0, 2)) + ", " + v + ") END");
      }
    }
    if (parts.isEmpty()) {
      return Sql.literal(sessionValue);
    }
    // concat_ws leaves out NULLs: a row with no rank at all has '' and takes the session's value
    return "coalesce(NULLIF(concat_ws('-', " + String.join(", ", parts) + "), ''), " + Sql.literal(sessionValue) + ")";
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
