package dev.profilemate.kernel.nsys;

import dev.profilemate.kernel.PhaseNames;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The NVTX push/pop and start/end ranges of an export (event types 59, 60, 70, 71, ended on the
 * thread that started them, as Nsight's own reports keep them), sorted by thread and start, with
 * their nesting. Answers "which is the innermost range on thread T that contains [s, e]".
 */
public final class NvtxRanges {
  final int size;
  final long[] start;
  final long[] end;
  final long[] tid;
  final String[] name;
  final String[] style;
  final int[] parent;
  final int[] depth;
  private final Map<Long, int[]> byThread = new HashMap<>();
  private long cachedTid = Long.MIN_VALUE;
  private int[] cachedSpan;

  private NvtxRanges(List<long[]> rows, List<String> names, List<String> styles) {
    size = rows.size();
    start = new long[size];
    end = new long[size];
    tid = new long[size];
    name = names.toArray(new String[0]);
    style = styles.toArray(new String[0]);
    parent = new int[size];
    depth = new int[size];
    for (int i = 0; i < size; i++) {
      long[] r = rows.get(i);
      start[i] = r[0];
      end[i] = r[1];
      tid[i] = r[2];
    }
    Deque<Integer> stack = new ArrayDeque<>();
    long curTid = Long.MIN_VALUE;
    int from = 0;
    for (int i = 0; i < size; i++) {
      if (tid[i] != curTid) {
        if (i > 0) {
          byThread.put(curTid, new int[] {from, i});
        }
        curTid = tid[i];
        from = i;
        stack.clear();
      }
      while (!stack.isEmpty() && !(start[stack.peek()] <= start[i] && end[i] <= end[stack.peek()])) {
        stack.pop();
      }
      parent[i] = stack.isEmpty() ? -1 : stack.peek();
      depth[i] = stack.size();
      stack.push(i);
    }
    if (size > 0) {
      byThread.put(curTid, new int[] {from, size});
    }
  }

  private NvtxRanges(NvtxRanges o) {
    size = o.size;
    start = o.start;
    end = o.end;
    tid = o.tid;
    name = o.name;
    style = o.style;
    parent = o.parent;
    depth = o.depth;
    byThread.putAll(o.byThread);
  }

  /** The same ranges with a lookup cache of its own, for use on another thread. */
  NvtxRanges copyForThread() {
    return new NvtxRanges(this);
  }

  static NvtxRanges empty() {
    return new NvtxRanges(List.of(), List.of(), List.of());
  }

  static NvtxRanges load(NsysDatabase db) {
    String t = "NVTX_EVENTS";
    if (!db.hasTable(t)) {
      return empty();
    }
    Map<Long, String> domains = new HashMap<>();
    boolean hasDomain = db.hasColumn(t, "domainId");
    try (Statement st = db.connection().createStatement()) {
      if (hasDomain) {
        try (ResultSet rs = st.executeQuery("SELECT domainId, text FROM NVTX_EVENTS WHERE eventType = 75 AND text IS NOT NULL")) {
          while (rs.next()) {
            domains.put(rs.getLong(1), rs.getString(2));
          }
        }
      }
      String textId = db.hasColumn(t, "textId") ? "textId" : "NULL";
      String where = "eventType IN (59, 60, 70, 71) AND end IS NOT NULL"
          + (db.hasColumn(t, "endGlobalTid") ? " AND endGlobalTid IS NULL" : "");
      String sql = "SELECT start, end, globalTid, eventType, text, " + textId + ", " + (hasDomain ? "domainId" : "0")
          + " FROM NVTX_EVENTS WHERE " + where + " ORDER BY globalTid, start, end DESC";
      List<long[]> rows = new ArrayList<>();
      List<String> names = new ArrayList<>();
      List<String> styles = new ArrayList<>();
      Map<String, String> intern = new HashMap<>();
      try (ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          long s = rs.getLong(1);
          long e = rs.getLong(2);
          long g = rs.getLong(3);
          int type = rs.getInt(4);
          String text = rs.getString(5);
          long tid = rs.getLong(6);
          if (text == null && !rs.wasNull()) {
            text = db.string(tid);
          }
          if (text == null) {
            text = "";
          }
          String domain = domains.getOrDefault(rs.getLong(7), "");
          String full = domain.isEmpty() ? text : domain + ":" + text;
          rows.add(new long[] {s, e, g});
          names.add(intern.computeIfAbsent(full, k -> k));
          styles.add(type == 59 || type == 70 ? "PushPop" : "StartEnd");
        }
      }
      return new NvtxRanges(rows, names, styles);
    } catch (SQLException e) {
      throw db.error(e);
    }
  }

  public int size() {
    return size;
  }

  boolean hasThread(long globalTid) {
    return threadSpan(globalTid) != null;
  }

  private int[] threadSpan(long globalTid) {
    if (globalTid != cachedTid) {
      cachedTid = globalTid;
      cachedSpan = byThread.get(globalTid);
    }
    return cachedSpan;
  }

  /** Innermost range on thread {@code globalTid} with start ≤ s and e ≤ end, or -1. */
  int innermost(long globalTid, long s, long e) {
    int[] span = threadSpan(globalTid);
    if (span == null) {
      return -1;
    }
    int lo = span[0];
    int hi = span[1] - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (start[mid] <= s) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    int c = found;
    while (c >= 0 && !(start[c] <= s && e <= end[c])) {
      c = parent[c];
    }
    return c;
  }

  /** True when some range is one of the probe's {@code profilemate:<phase>} ranges. */
  boolean hasProbePhases() {
    for (String n : name) {
      if (PhaseNames.probePhase(n) != null) {
        return true;
      }
    }
    return false;
  }
}
