package dev.profilemate.kernel.nsys;

import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * A read-only connection to an {@code nsys export --type sqlite} file, with the schema facts the
 * analysis needs: which tables and columns exist (nsys creates tables lazily), the exporter
 * version, the CUDA-graph trace mode and the GPUs. Interned strings are looked up on demand.
 */
public final class NsysDatabase implements AutoCloseable {
  private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  static {
    // sqlite-jdbc extracts its native library to org.sqlite.tmpdir and never creates that folder;
    // a missing one fails later with a misleading "no native library" error
    String tmp = System.getProperty("org.sqlite.tmpdir");
    if (tmp != null && !tmp.isBlank()) {
      try {
        Files.createDirectories(Path.of(tmp));
      } catch (IOException e) {
        // the driver reports its own error if it really cannot extract
      }
    }
  }

  private final Path file;
  private final Connection conn;
  private final Set<String> tables = new HashSet<>();
  private final Map<String, Set<String>> columns = new HashMap<>();
  private final Map<String, List<String>> orderedColumns = new HashMap<>();
  private final Map<Long, String> strings = new HashMap<>();
  private PreparedStatement stringQuery;

  private NsysDatabase(Path file, Connection conn) {
    this.file = file;
    this.conn = conn;
  }

  public static NsysDatabase open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UserDataException(file + ": file not found");
    }
    byte[] head = new byte[SQLITE_MAGIC.length];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new UserDataException(file + ": cannot read (" + e.getMessage() + ")");
    }
    if (n < head.length || !java.util.Arrays.equals(head, SQLITE_MAGIC)) {
      throw new UserDataException(file + ": not an SQLite database (expected an `nsys export --type sqlite` file)");
    }
    try {
      SQLiteConfig cfg = new SQLiteConfig();
      cfg.setReadOnly(true);
      cfg.setOpenMode(SQLiteOpenMode.READONLY);
      Connection c = cfg.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
      NsysDatabase db = new NsysDatabase(file, c);
      db.loadSchema();
      return db;
    } catch (SQLException e) {
      throw new UserDataException(file + ": cannot open as SQLite (" + oneLine(e) + ")");
    }
  }

  static String oneLine(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** Wraps a failure of a query on this file as a one-line user error. */
  public UserDataException error(SQLException e) {
    return new UserDataException(file + ": cannot read the Nsight Systems tables (" + oneLine(e) + ")");
  }

  private void loadSchema() throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type IN ('table','view')")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    if (!tables.contains("StringIds")) {
      throw new UserDataException(file + ": not an Nsight Systems export (no StringIds table)");
    }
  }

  public Path file() {
    return file;
  }

  public Connection connection() {
    return conn;
  }

  public boolean hasTable(String t) {
    return tables.contains(t);
  }

  public boolean hasColumn(String table, String column) {
    return columns(table).contains(column);
  }

  public Set<String> columns(String table) {
    return columns.computeIfAbsent(table, t -> new HashSet<>(orderedColumns(t)));
  }

  /** Column names in declaration order (the order of values in a stored record). */
  List<String> orderedColumns(String table) {
    return orderedColumns.computeIfAbsent(table, t -> {
      List<String> s = new ArrayList<>();
      if (!tables.contains(t)) {
        return s;
      }
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA table_info(" + t + ")")) {
        while (rs.next()) {
          s.add(rs.getString("name"));
        }
      } catch (SQLException e) {
        throw error(e);
      }
      return s;
    });
  }

  /** {@code column} when the table has it, else {@code fallback} (an SQL literal). */
  public String col(String table, String column, String fallback) {
    return hasColumn(table, column) ? column : fallback + " AS " + column;
  }

  public String string(long id) {
    String s = strings.get(id);
    if (s != null) {
      return s;
    }
    try {
      if (stringQuery == null) {
        stringQuery = conn.prepareStatement("SELECT value FROM StringIds WHERE id = ?");
      }
      stringQuery.setLong(1, id);
      try (ResultSet rs = stringQuery.executeQuery()) {
        s = rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw error(e);
    }
    if (s == null) {
      s = "<unknown string " + id + ">";
    }
    strings.put(id, s);
    return s;
  }

  /** Name/value rows of the export metadata table (META_DATA_EXPORT from 2024, EXPORT_META_DATA before). */
  public Map<String, String> exportMetadata() {
    String t = hasTable("META_DATA_EXPORT") ? "META_DATA_EXPORT" : hasTable("EXPORT_META_DATA") ? "EXPORT_META_DATA" : null;
    Map<String, String> m = new HashMap<>();
    if (t == null) {
      return m;
    }
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT name, value FROM " + t)) {
      while (rs.next()) {
        m.put(rs.getString(1), rs.getString(2));
      }
    } catch (SQLException e) {
      throw error(e);
    }
    return m;
  }

  /** {@code Node}, {@code Graph}, or null when the capture options do not say. */
  public String cudaGraphTraceMode() {
    if (!hasTable("META_DATA_CAPTURE")) {
      return null;
    }
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(
            "SELECT value FROM META_DATA_CAPTURE WHERE name LIKE '%CUDA_GRAPH_TRACE_OPTIONS:MODE' ORDER BY name LIMIT 1")) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw error(e);
    }
  }

  /** A GPU of TARGET_INFO_GPU; bandwidth in bytes/s, clock in Hz. */
  public record Gpu(long id, String name, Long smCount, Long memoryBandwidthBytesPerSec, Long clockRateHz, Long totalMemoryBytes) {}

  public List<Gpu> gpus() {
    List<Gpu> out = new ArrayList<>();
    if (!hasTable("TARGET_INFO_GPU")) {
      return out;
    }
    String t = "TARGET_INFO_GPU";
    String sql = "SELECT " + col(t, "id", "0") + ", " + col(t, "name", "NULL") + ", " + col(t, "smCount", "NULL") + ", "
        + col(t, "memoryBandwidth", "NULL") + ", " + col(t, "clockRate", "NULL") + ", " + col(t, "totalMemory", "NULL")
        + " FROM " + t + " ORDER BY id";
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(new Gpu(rs.getLong(1), rs.getString(2), longOrNull(rs, 3), longOrNull(rs, 4), longOrNull(rs, 5), longOrNull(rs, 6)));
      }
    } catch (SQLException e) {
      throw error(e);
    }
    return out;
  }

  static Long longOrNull(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : v;
  }

  @Override
  public void close() {
    try {
      if (stringQuery != null) {
        stringQuery.close();
      }
      conn.close();
    } catch (SQLException e) {
      // closing a read-only connection: nothing to recover
    }
  }
}
