package dev.profilemate.query;

import dev.profilemate.export.SessionFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Where a Parquet dataset keeps its files (docs/fleet.md): one folder per session file, named after
 * it, hive-partitioned by session and rank, so Spark, DuckDB and ClickHouse read the partitions as
 * columns; and sessions/, one row per session from its metadata.json.
 *
 * <pre>
 * DATASET/batch_utilization/session=session_20261205_180638/rank=0/part-0.parquet
 * DATASET/sessions/session=session_20261205_180638/part-0.parquet
 * </pre>
 */
final class DatasetLayout {
  private DatasetLayout() {}

  static final String SESSIONS = "sessions";
  static final String PART = "part-0.parquet";
  private static final String SESSION_KEY = "session=";

  static String table(SessionFile f) {
    return f.fileName.substring(0, f.fileName.length() - ".csv".length());
  }

  static Path sessionDir(Path dataset, String table, String session) {
    return dataset.resolve(table).resolve(SESSION_KEY + session);
  }

  static Path part(Path dataset, String table, String session, String rank) {
    return sessionDir(dataset, table, session).resolve("rank=" + rank).resolve(PART);
  }

  /** A glob of every part of a table, for read_parquet with hive partitioning. */
  static String glob(Path dataset, String table) {
    String depth = table.equals(SESSIONS) ? "/*/*.parquet" : "/*/*/*.parquet";
    return dataset.toAbsolutePath().resolve(table) + depth;
  }

  static boolean hasParts(Path dataset, String table) {
    Path t = dataset.resolve(table);
    if (!Files.isDirectory(t)) {
      return false;
    }
    try (Stream<Path> s = Files.walk(t, table.equals(SESSIONS) ? 2 : 3)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".parquet") && !p.toString().contains("/."));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A folder is a dataset when it has sessions/ with a session=… in it (what export and merge write). */
  static boolean isDataset(Path p) {
    return !sessionIds(p).isEmpty();
  }

  /** The session ids of a dataset, from sessions/session=…. */
  static TreeSet<String> sessionIds(Path dataset) {
    TreeSet<String> ids = new TreeSet<>();
    Path s = dataset.resolve(SESSIONS);
    if (Files.isDirectory(s)) {
      try (Stream<Path> l = Files.list(s)) {
        l.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(SESSION_KEY))
            .forEach(n -> ids.add(n.substring(SESSION_KEY.length())));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ids;
  }

  /** Every table folder of a dataset holding a session's partition (the session files' and sessions/). */
  static List<String> tablesOf(Path dataset, String session) {
    List<String> out = new ArrayList<>();
    try (Stream<Path> l = Files.list(dataset)) {
      l.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
          .filter(n -> Files.isDirectory(sessionDir(dataset, n, session))).sorted().forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * A session id as a partition value: the characters Spark and Hive escape in a partition path
   * (and any other than letters, digits, '.', '_', '-') become '_'. Session names never have them.
   */
  static String safeId(String id) {
    String s = id.replaceAll("[^A-Za-z0-9._-]", "_");
    return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
  }

  static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
