package dev.profilemate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Where tests find the repository's shared files (spool fixtures, the probe). */
public final class TestPaths {
  private TestPaths() {}

  public static Path repoRoot() {
    return Path.of(System.getProperty("profilemate.repoRoot", "..")).toAbsolutePath().normalize();
  }

  public static Path spoolFixtures() {
    return repoRoot().resolve("spool-format/fixtures");
  }

  /** A copy of the folder {@code from} (files and subfolders) at {@code to}; returns {@code to}. */
  public static Path copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
    return to;
  }
}
