package dev.profilemate.query;

import dev.profilemate.common.InputPaths;
import dev.profilemate.common.UserDataException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What merge and query read: exported session folders and Parquet datasets, as the user named
 * them. A folder holding session_* folders (a node's /tmp/vllm_profiling) stands for its exported
 * sessions. Every bad path is found before anything is read, one line each.
 */
record Sources(List<ExportedSession> sessions, List<Path> datasets, List<String> problems) {
  static final String WHAT = "an exported session_* folder, a folder of them, or a Parquet dataset "
      + "(profilemate export --format parquet, merge)";

  /**
   * Refuses bad inputs, one line each: all but the last go to earlier (stderr), the last is the
   * exception's line, so one bad input is exactly one line. what: "written", "queried".
   */
  void refuseProblems(java.util.function.Consumer<String> earlier, String what) {
    if (problems.isEmpty()) {
      return;
    }
    problems.subList(0, problems.size() - 1).forEach(earlier);
    int more = problems.size() - 1;
    throw new UserDataException(problems.getLast() + (more == 0 ? "" : " (and " + more + " more above)")
        + "; nothing was " + what);
  }

  static Sources of(List<Path> paths) {
    List<ExportedSession> sessions = new ArrayList<>();
    List<Path> datasets = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Path p : paths) {
      try {
        InputPaths.folder(p, WHAT);
        if (DatasetLayout.isDataset(p)) {
          datasets.add(p);
        } else if (Files.exists(p.resolve("metadata.json")) || Files.isDirectory(p.resolve("raw"))) {
          sessions.add(ExportedSession.open(p));
        } else if (!InputPaths.sessionsIn(p).isEmpty()) {
          List<Path> exported = InputPaths.sessionsIn(p).stream()
              .filter(s -> Files.exists(s.resolve("metadata.json"))).toList();
          if (exported.isEmpty()) {
            problems.add(p + " holds session folders but none is exported yet; run 'profilemate export "
                + p + "/session_*' first");
          }
          exported.forEach(s -> sessions.add(ExportedSession.open(s)));
        } else {
          problems.add(p + " is neither a session nor a dataset (no metadata.json, no sessions/); give " + WHAT);
        }
      } catch (UserDataException e) {
        problems.add(e.getMessage());
      }
    }
    return new Sources(sessions, datasets, problems);
  }
}
