package dev.profilemate.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks a path the user typed before a command reads it, so that the one-line error names the
 * path, what is wrong with it and what to give instead ("X is a folder, not a file; give the
 * .sqlite file nsys export wrote"), rather than what the reader happened to trip over.
 */
public final class InputPaths {
  private InputPaths() {}

  /** An input file: refused when absent or a folder. what: e.g. "an nsys .sqlite export". */
  public static Path file(Path p, String what) {
    if (!Files.exists(p)) {
      throw new UserDataException(p + ": no such file; give " + what);
    }
    if (Files.isDirectory(p)) {
      throw new UserDataException(p + " is a folder, not a file; give " + what);
    }
    return p;
  }

  /** An input folder: refused when absent or a file. what: e.g. "the session_* folder that holds raw/". */
  public static Path folder(Path p, String what) {
    if (!Files.exists(p)) {
      throw new UserDataException(p + ": no such folder; give " + what);
    }
    if (!Files.isDirectory(p)) {
      throw new UserDataException(p + " is a file, not a folder; give " + what);
    }
    return p;
  }

  /**
   * The session_* folders directly inside dir, oldest first (their names carry the start time):
   * a user who names the profiling folder instead of one session is told which to pick.
   */
  public static List<Path> sessionsIn(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("session_"))
          .filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** "X holds 2 sessions, not one; give one of them, e.g. X/session_b (the newest)", or null when it holds none. */
  public static String holdsSessions(Path dir) {
    List<Path> sessions = sessionsIn(dir);
    if (sessions.isEmpty()) {
      return null;
    }
    return dir + " holds " + sessions.size() + (sessions.size() == 1 ? " session" : " sessions")
        + ", it is not one; give " + (sessions.size() == 1 ? "it: " : "one of them, e.g. ") + sessions.getLast()
        + (sessions.size() == 1 ? "" : " (the newest)");
  }
}
