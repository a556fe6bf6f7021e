package dev.profilemate;

import java.nio.file.Path;

/** Where tests find the repository's shared files (spool fixtures, the probe). */
public final class TestPaths {
  private TestPaths() {}

  public static Path repoRoot() {
    return Path.of(System.getProperty("profilemate.repoRoot", "..")).toAbsolutePath().normalize();
  }

  public static Path spoolFixtures() {
    return repoRoot().resolve("spool-format/fixtures");
  }
}
