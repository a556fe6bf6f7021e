package dev.profilemate.spool;

import java.io.IOException;
import java.nio.file.Path;

/** A spool that is corrupt (not merely cut short): names the file and the byte offset. */
public final class SpoolFormatException extends IOException {
  private final Path file;
  private final long offset;

  public SpoolFormatException(Path file, long offset, String problem) {
    super(file + ": " + problem + " at byte offset " + offset);
    this.file = file;
    this.offset = offset;
  }

  public Path file() {
    return file;
  }

  public long offset() {
    return offset;
  }
}
