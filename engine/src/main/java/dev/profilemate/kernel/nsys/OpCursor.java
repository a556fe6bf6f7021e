package dev.profilemate.kernel.nsys;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Streams one table of GPU operations as (start, end, device, stream, correlation id, process, x1,
 * x2), where x1/x2 depend on the kind (kernel: name id, graph node id; memcpy: copy kind, bytes;
 * memset: -, bytes; graph launch: graph exec id, graph id). Rows come from sqlite-jdbc; {@code sorted}
 * asks for {@code ORDER BY start}. SQLite packs several small columns into
 * one 64-bit value to save native calls: corrPid = correlation id (32 bits) | PID (24 bits) << 32,
 * and packed = x1 (32 bits) | device (15 bits) << 32 | (x2 IS NOT NULL) << 47 | stream (15 bits) << 48.
 */
final class OpCursor implements AutoCloseable {
  static final int KERNEL = 0;
  static final int MEMCPY = 1;
  static final int MEMSET = 2;
  static final int GRAPH = 3;

  final int kind;
  private final PreparedStatement st;
  private final ResultSet rs;
  long start;
  long end;
  long corrPid;
  int device;
  long stream;
  long x1;
  long x2;
  boolean x2Null;
  boolean done;

  /** {@code x1Col}/{@code x2Col}: column names, or null for "0" / NULL. */
  OpCursor(NsysDatabase db, int kind, String table, String x1Col, String x2Col, boolean sorted) throws SQLException {
    this.kind = kind;
    String x1 = x1Col != null && db.hasColumn(table, x1Col) ? x1Col : null;
    String x2 = x2Col != null && db.hasColumn(table, x2Col) ? x2Col : null;
    {
      String corr = db.hasColumn(table, "correlationId") ? "coalesce(correlationId, 0)" : "0";
      String pid = db.hasColumn(table, "globalPid") ? "coalesce(globalPid, 0)" : "0";
      String dev = db.hasColumn(table, "deviceId") ? "deviceId" : "0";
      String stream = db.hasColumn(table, "streamId") ? "coalesce(streamId, 0)" : "0";
      String x1e = x1 == null ? "0" : "coalesce(" + x1 + ", 0)";
      String x2e = x2 == null ? "NULL" : x2;
      String sql = "SELECT start, end, (" + corr + " & 4294967295) | (((" + pid + " >> 24) & 16777215) << 32), ("
          + x1e + " & 4294967295) | ((" + dev + " & 32767) << 32) | ((" + x2e + " IS NOT NULL) << 47) | ((" + stream
          + " & 32767) << 48), " + x2e + " FROM " + table + (sorted ? " ORDER BY start" : "");
      st = db.connection().prepareStatement(sql);
      st.setFetchSize(4096);
      rs = st.executeQuery();
    }
    advance();
  }

  void advance() throws SQLException {
    if (!rs.next()) {
      done = true;
      return;
    }
    start = rs.getLong(1);
    end = rs.getLong(2);
    corrPid = rs.getLong(3);
    long p = rs.getLong(4);
    x1 = p & 0xFFFFFFFFL;
    device = (int) ((p >>> 32) & 0x7FFF);
    x2Null = ((p >>> 47) & 1) == 0;
    stream = (p >>> 48) & 0x7FFF;
    x2 = kind == KERNEL || x2Null ? 0 : rs.getLong(5);
  }

  long corr() {
    return corrPid & 0xFFFFFFFFL;
  }

  long pid() {
    return corrPid >>> 32;
  }

  @Override
  public void close() throws SQLException {
    rs.close();
    st.close();
  }
}
