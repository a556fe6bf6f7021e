package dev.profilemate.query;

import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * profilemate merge: sessions from several nodes (exported folders or datasets) into one dataset,
 * each keeping its id as its session=… partition. Two different sessions with one id (nodes that
 * started in the same second) cannot share a partition: the later one gets the id with its host
 * appended (then -2, -3, …), and a note says so. The same session again (same start and hosts) is
 * taken once: from an earlier input it is skipped, one already in OUT is replaced (merged anew
 * after a re-export).
 */
final class DatasetMerge {
  private final Connection db;
  private final Consumer<String> notes;

  DatasetMerge(Connection db, Consumer<String> notes) {
    this.db = db;
    this.notes = notes;
  }

  record Result(int sessions, long rows, List<String> ids) {}

  /** Where a session id is taken from, and who it is. */
  private record Taken(String from, String identity, boolean inOut) {}

  Result merge(Path out, Sources in) {
    Map<String, Taken> taken = new LinkedHashMap<>();
    if (Files.isDirectory(out)) {
      for (String id : DatasetLayout.sessionIds(out)) {
        taken.put(id, new Taken(out.toString(), identity(out, id), true));
      }
    }
    List<String> ids = new ArrayList<>();
    long rows = 0;
    ParquetWriter writer = new ParquetWriter(db);
    for (ExportedSession s : in.sessions()) {
      String id = place(taken, DatasetLayout.safeId(s.id()), identity(s.startTime(), String.join(",", s.hosts())),
          s.dir().toString(), s.hosts());
      if (id != null) {
        rows += writer.write(s, out, id).rows();
        ids.add(id);
      }
    }
    for (Path ds : in.datasets()) {
      for (String from : DatasetLayout.sessionIds(ds)) {
        String who = identity(ds, from);
        String id = place(taken, from, who, ds + " (session " + from + ")",
            List.of(who.substring(who.indexOf('|') + 1).split(",", -1)));
        if (id != null) {
          rows += copySession(ds, from, out, id);
          ids.add(id);
        }
      }
    }
    return new Result(ids.size(), rows, ids);
  }

  /** The id this session gets in OUT, or null when it is there already from an earlier input. */
  private String place(Map<String, Taken> taken, String id, String identity, String from, List<String> hosts) {
    Taken t = taken.get(id);
    if (t == null || (t.inOut() && t.identity().equals(identity))) {
      taken.put(id, new Taken(from, identity, false));
      return id;
    }
    if (t.identity().equals(identity)) {
      notes.accept(from + " is session " + id + " again (same start and hosts as " + t.from() + "); taken once");
      return null;
    }
    String host = hosts.isEmpty() || hosts.getFirst().isEmpty() ? "node" : DatasetLayout.safeId(hosts.getFirst());
    String renamed = id + "-" + host;
    for (int n = 2; taken.containsKey(renamed); n++) {
      renamed = id + "-" + host + "-" + n;
    }
    notes.accept("session " + id + " of " + from + " is not the " + id + " of " + t.from()
        + " (another start or host); kept as session=" + renamed);
    taken.put(renamed, new Taken(from, identity, false));
    return renamed;
  }

  private static String identity(String start, String hosts) {
    return start + "|" + hosts;
  }

  /** start|hosts of a session in a dataset, from its sessions row. */
  private String identity(Path dataset, String id) {
    Path part = DatasetLayout.sessionDir(dataset, DatasetLayout.SESSIONS, id).resolve(DatasetLayout.PART);
    try (Statement st = db.createStatement();
        ResultSet r = st.executeQuery("SELECT start_time, hosts FROM read_parquet("
            + Sql.literal(part.toAbsolutePath().toString()) + ")")) {
      return r.next() ? identity(nullToEmpty(r.getString(1)), nullToEmpty(r.getString(2))) : "|";
    } catch (SQLException e) {
      throw new UserDataException(part + ": not a sessions part of a profilemate dataset ("
          + DuckDb.firstLine(e.getMessage()) + ")", e);
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  /** Copies every table's session=FROM folder of a dataset to session=ID in OUT (the partition value is the path). */
  private long copySession(Path ds, String from, Path out, String id) {
    long rows = 0;
    try {
      for (String table : DatasetLayout.tablesOf(out, id)) {
        DatasetLayout.deleteTree(DatasetLayout.sessionDir(out, table, id));
      }
      for (String table : DatasetLayout.tablesOf(ds, from)) {
        Path src = DatasetLayout.sessionDir(ds, table, from);
        Path dst = DatasetLayout.sessionDir(out, table, id);
        try (Stream<Path> s = Files.walk(src)) {
          for (Path p : s.toList()) {
            Path q = dst.resolve(src.relativize(p).toString());
            if (Files.isDirectory(p)) {
              Files.createDirectories(q);
            } else {
              Files.copy(p, q);
            }
          }
        }
        if (!table.equals(DatasetLayout.SESSIONS)) {
          rows += rows(dst);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** Rows of the parts under a folder, from their Parquet footers. */
  private long rows(Path dir) {
    try (Statement st = db.createStatement();
        ResultSet r = st.executeQuery("SELECT count(*) FROM read_parquet("
            + Sql.literal(dir.toAbsolutePath() + "/*/*.parquet") + ")")) {
      return r.next() ? r.getLong(1) : 0;
    } catch (SQLException e) {
      throw new UserDataException(dir + ": not a profilemate dataset partition (" + DuckDb.firstLine(e.getMessage())
          + ")", e);
    }
  }
}
