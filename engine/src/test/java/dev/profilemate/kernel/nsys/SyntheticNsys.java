package dev.profilemate.kernel.nsys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a SYNTHETIC Nsight Systems export with only the tables and columns the analysis reads,
 * laid out as the 2025.3 schema documents them (research/trace-formats.md §1). For cases no real
 * fixture has: the probe's profilemate:* phase ranges, nested ranges, several GPUs, rows out of
 * start order.
 */
final class SyntheticNsys {
  static final long PID = (1L << 48) | (4242L << 24);
  static final long TID = PID | 4242L;

  private final Map<String, Long> strings = new HashMap<>();
  final List<long[]> kernels = new ArrayList<>(); // start, end, device, stream, corr, nameId, graphNodeId(-1 = null)
  final List<long[]> runtime = new ArrayList<>(); // start, end, tid, corr, nameId
  final List<Object[]> nvtx = new ArrayList<>(); // start, end, text, tid
  final List<long[]> memcpy = new ArrayList<>(); // start, end, device, corr, copyKind, bytes

  long str(String s) {
    return strings.computeIfAbsent(s, k -> (long) strings.size() + 1);
  }

  SyntheticNsys range(long start, long end, String text) {
    nvtx.add(new Object[] {start, end, text, TID});
    return this;
  }

  /** A kernel launched by an API call at [apiStart, apiStart+10] on the main thread. */
  SyntheticNsys kernel(long apiStart, long start, long end, int device, String name) {
    long corr = runtime.size() + 1;
    runtime.add(new long[] {apiStart, apiStart + 10, TID, corr, str("cudaLaunchKernel_v7000")});
    kernels.add(new long[] {start, end, device, 7, corr, str(name), -1});
    return this;
  }

  Path write(Path file) throws Exception {
    Files.deleteIfExists(file);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE StringIds (id INTEGER PRIMARY KEY, value TEXT NOT NULL)");
      st.execute("CREATE TABLE META_DATA_EXPORT (name TEXT, value TEXT)");
      st.execute("INSERT INTO META_DATA_EXPORT VALUES ('EXPORT_PRODUCT_VERSION', 'synthetic'), ('EXPORT_SCHEMA_VERSION', '3.20.3')");
      st.execute("CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL,"
          + " contextId INTEGER, streamId INTEGER NOT NULL, correlationId INTEGER, globalPid INTEGER, demangledName INTEGER NOT NULL,"
          + " shortName INTEGER NOT NULL, graphNodeId INTEGER)");
      st.execute("CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL, eventClass INTEGER,"
          + " globalTid INTEGER, correlationId INTEGER, nameId INTEGER, returnValue INTEGER, callchainId INTEGER)");
      st.execute("CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL, rangeId INTEGER,"
          + " category INTEGER, color INTEGER, text TEXT, globalTid INTEGER, endGlobalTid INTEGER, textId INTEGER, domainId INTEGER)");
      st.execute("CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER NOT NULL,"
          + " contextId INTEGER, streamId INTEGER, correlationId INTEGER, globalPid INTEGER, bytes INTEGER, copyKind INTEGER)");
      try (PreparedStatement p = c.prepareStatement("INSERT INTO StringIds VALUES (?, ?)")) {
        for (var e : strings.entrySet()) {
          p.setLong(1, e.getValue());
          p.setString(2, e.getKey());
          p.executeUpdate();
        }
      }
      try (PreparedStatement p = c.prepareStatement(
          "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)")) {
        for (long[] k : kernels) {
          p.setLong(1, k[0]);
          p.setLong(2, k[1]);
          p.setLong(3, k[2]);
          p.setLong(4, k[3]);
          p.setLong(5, k[4]);
          p.setLong(6, PID);
          p.setLong(7, k[5]);
          p.setLong(8, k[5]);
          if (k[6] < 0) {
            p.setNull(9, java.sql.Types.INTEGER);
          } else {
            p.setLong(9, k[6]);
          }
          p.executeUpdate();
        }
      }
      try (PreparedStatement p = c.prepareStatement("INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (?, ?, 0, ?, ?, ?, 0, NULL)")) {
        for (long[] r : runtime) {
          p.setLong(1, r[0]);
          p.setLong(2, r[1]);
          p.setLong(3, r[2]);
          p.setLong(4, r[3]);
          p.setLong(5, r[4]);
          p.executeUpdate();
        }
      }
      try (PreparedStatement p = c.prepareStatement(
          "INSERT INTO NVTX_EVENTS (start, end, eventType, text, globalTid, domainId) VALUES (?, ?, 59, ?, ?, 0)")) {
        for (Object[] n : nvtx) {
          p.setLong(1, (Long) n[0]);
          p.setLong(2, (Long) n[1]);
          p.setString(3, (String) n[2]);
          p.setLong(4, (Long) n[3]);
          p.executeUpdate();
        }
      }
      try (PreparedStatement p = c.prepareStatement("INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (?, ?, ?, 1, 7, ?, ?, ?, ?)")) {
        for (long[] m : memcpy) {
          p.setLong(1, m[0]);
          p.setLong(2, m[1]);
          p.setLong(3, m[2]);
          p.setLong(4, m[3]);
          p.setLong(5, PID);
          p.setLong(6, m[5]);
          p.setLong(7, m[4]);
          p.executeUpdate();
        }
      }
    }
    return file;
  }
}
