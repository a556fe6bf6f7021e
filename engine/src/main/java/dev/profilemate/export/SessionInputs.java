package dev.profilemate.export;

import dev.profilemate.common.PrivateFiles;
import dev.profilemate.session.SessionReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/**
 * Refuses a session whose folder, raw/ folder or any spool is a symlink (or a spool that is not
 * a regular file) before anything is read: a link planted there would make the export read,
 * and then write beside, files the user never pointed at. The reader on its own would quietly
 * skip such a spool, or read the session folder in place of raw/.
 */
final class SessionInputs {
  private SessionInputs() {}

  static void check(Path session) throws IOException {
    BasicFileAttributes s = PrivateFiles.attributes(session);
    if (s != null && s.isSymbolicLink()) {
      throw new IOException(session + ": is a symbolic link; refusing to read or write through it");
    }
    if (s == null || !s.isDirectory()) {
      return; // the reader says "not a session directory"
    }
    Path raw = session.resolve(SessionReader.RAW);
    BasicFileAttributes r = PrivateFiles.attributes(raw);
    if (r != null && (r.isSymbolicLink() || !r.isDirectory())) {
      throw new IOException(raw + ": is " + (r.isSymbolicLink() ? "a symbolic link" : "not a folder")
          + "; refusing to read through it");
    }
    Path spools = r != null ? raw : session;
    try (Stream<Path> files = Files.list(spools)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().endsWith(SessionReader.SPOOL_SUFFIX)) {
          continue;
        }
        BasicFileAttributes a = PrivateFiles.attributes(f);
        if (a != null && !a.isRegularFile()) {
          throw new IOException(f + ": is " + (a.isSymbolicLink() ? "a symbolic link" : "not a regular file")
              + "; refusing to read it as a spool");
        }
      }
    }
  }
}
