package dev.profilemate.cli;

import java.nio.file.Path;

/** Writes the HTML report beside the session files once the report module is part of the build. */
final class Reports {
  private Reports() {}

  static void writeIfAvailable(Path session) {
    // the report command lands separately; until then the session files are the result
  }
}
