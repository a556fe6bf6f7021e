package dev.profilemate.query;

import dev.profilemate.common.UserDataException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;

/** export --format parquet and profilemate merge: exported sessions (and datasets) into one Parquet dataset. */
public final class Datasets {
  private Datasets() {}

  public record Summary(int sessions, long rows, List<String> ids, Path dataset) {}

  /**
   * Writes exported sessions into the dataset; notes get the renames and skips of merge. Every
   * input is checked first: a bad one is given to problems and nothing is written.
   */
  public static Summary write(Path dataset, List<Path> inputs, Consumer<String> notes, Consumer<String> problems) {
    Sources in = Sources.of(inputs);
    if (in.datasets().stream().anyMatch(d -> same(d, dataset))) {
      throw new UserDataException(dataset + " is both an input and the output; give another output folder");
    }
    in.refuseProblems(problems, "written");
    if (Files.exists(dataset) && !Files.isDirectory(dataset)) {
      throw new UserDataException(dataset + " is a file, not a folder; give the dataset folder to write");
    }
    if (!emptyOrDataset(dataset)) {
      // a session folder given first by mistake (merge SESSION_A SESSION_B) must not get tables written into it
      throw new UserDataException(dataset + " is neither empty nor a Parquet dataset; give a new folder (or a "
          + "dataset to add to) as the output");
    }
    try (Connection db = DuckDb.open()) {
      DatasetMerge.Result r = new DatasetMerge(db, notes).merge(dataset, in);
      return new Summary(r.sessions(), r.rows(), r.ids(), dataset);
    } catch (SQLException e) {
      throw new UserDataException("DuckDB: " + DuckDb.firstLine(e.getMessage()), e);
    }
  }

  private static boolean emptyOrDataset(Path p) {
    if (!Files.isDirectory(p) || DatasetLayout.isDataset(p)) {
      return true;
    }
    try (var l = Files.list(p)) {
      return l.findAny().isEmpty();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static boolean same(Path a, Path b) {
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }
}
