package dev.profilemate.kernel.nsys;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Streams one table of GPU operations as (start, end, device, stream, correlation id, pid, x1,
 * x2) rows; x1/x2 depend on the kind (kernel: name id, graph node id; memcpy: copy kind, bytes;
 * memset: 0, bytes; graph launch: graph exec id, graph id).
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
  int device;
  long stream;
  long corr;
  long pid;
  long x1;
  long x2;
  boolean x2Null;
  boolean done;

  OpCursor(NsysDatabase db, int kind, String table, String x1, String x2, boolean sorted) throws SQLException {
    this.kind = kind;
    String sql = "SELECT start, end, " + db.col(table, "deviceId", "0") + ", " + db.col(table, "streamId", "0") + ", "
        + db.col(table, "correlationId", "0") + ", " + db.col(table, "globalPid", "0") + ", " + x1 + ", " + x2
        + " FROM " + table + (sorted ? " ORDER BY start" : "");
    st = db.connection().prepareStatement(sql);
    st.setFetchSize(4096);
    rs = st.executeQuery();
    advance();
  }

  void advance() throws SQLException {
    if (!rs.next()) {
      done = true;
      return;
    }
    start = rs.getLong(1);
    end = rs.getLong(2);
    device = rs.getInt(3);
    stream = rs.getLong(4);
    corr = rs.getLong(5);
    pid = rs.getLong(6);
    x1 = rs.getLong(7);
    x2 = rs.getLong(8);
    x2Null = rs.wasNull();
  }

  @Override
  public void close() throws SQLException {
    rs.close();
    st.close();
  }
}
