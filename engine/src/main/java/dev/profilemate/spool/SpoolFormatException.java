package dev.profilemate.spool;

import java.io.IOException;
import java.nio.file.Path;

/** A spool that is corrupt (not merely cut short): names the file and the byte offset. */
public final class SpoolFormatException extends IOException {
  private final Path file;
  private final long offset;
  private final String problem;

  public SpoolFormatException(Path file, long offset, String problem) {
    super(file + ": " + problem + " at byte offset " + offset);
    this.file = file;
    this.offset = offset;
    this.problem = problem;
  }

  /** What is wrong, without the file and offset. */
  public String problem() {
    return problem;
  }

  public Path file() {
    return file;
  }

  public long offset() {
    return offset;
  }
}
