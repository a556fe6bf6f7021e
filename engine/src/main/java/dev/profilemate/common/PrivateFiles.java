package dev.profilemate.common;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Every file ProfileMate writes goes through here. Session files name a server's model, its
 * request ids and its timings, so they are owner-only: files 0600, folders ProfileMate creates
 * 0700. A file is written under a temporary name beside its destination and renamed over it,
 * so a reader never sees half a file. A symlink at a destination or at a folder written into
 * is never followed, and a destination of another kind (a folder where a file goes, a FIFO)
 * is never replaced: either would let whoever planted it choose what ProfileMate overwrites.
 */
public final class PrivateFiles {
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  public static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  public static final Set<PosixFilePermission> FOLDER_MODE = PosixFilePermissions.fromString("rwx------");

  private PrivateFiles() {}

  /** Something to write to an output stream; may throw, as writers do. */
  @FunctionalInterface
  public interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * A folder to write into: created 0700 (with its missing parents, also 0700) when absent;
   * refused when the path is a symlink or not a folder. An existing folder keeps its mode: it
   * is the user's.
   */
  public static Path folder(Path dir) throws IOException {
    BasicFileAttributes a = attributes(dir);
    if (a == null) {
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null && attributes(parent) == null) {
        folder(parent);
      }
      try {
        Files.createDirectory(dir, folderMode());
        return dir;
      } catch (FileAlreadyExistsException e) {
        a = attributes(dir); // made meanwhile: check what it is
        if (a == null) {
          throw e;
        }
      }
    }
    if (a.isSymbolicLink()) {
      throw new IOException(dir + ": is a symbolic link; refusing to write through it");
    }
    if (!a.isDirectory()) {
      throw new IOException(dir + ": exists and is not a folder; refusing to write into it");
    }
    return dir;
  }

  /** Refuses a folder path that is a symlink or not a folder; absent is fine (it will be created). */
  public static void checkFolder(Path dir) throws IOException {
    BasicFileAttributes a = attributes(dir);
    if (a != null && a.isSymbolicLink()) {
      throw new IOException(dir + ": is a symbolic link; refusing to write through it");
    }
    if (a != null && !a.isDirectory()) {
      throw new IOException(dir + ": exists and is not a folder; refusing to write into it");
    }
  }

  /** Refuses a destination file that is a symlink or anything but a regular file; absent is fine. */
  public static void checkDestination(Path file) throws IOException {
    BasicFileAttributes a = attributes(file);
    if (a == null) {
      return;
    }
    if (a.isSymbolicLink()) {
      throw new IOException(file + ": is a symbolic link; refusing to replace it");
    }
    if (!a.isRegularFile()) {
      throw new IOException(file + ": exists and is not a regular file; refusing to replace it");
    }
  }

  /** A new, empty, owner-only (0600) file that did not exist before, never through a symlink. */
  public static OutputStream createNew(Path file) throws IOException {
    // CREATE_NEW is O_EXCL: it fails on anything already there, a symlink included
    return Channels.newOutputStream(
        Files.newByteChannel(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), fileMode()));
  }

  /** A new owner-only temporary file beside {@code dest}, for {@link #moveIntoPlace}. */
  public static Path tempBeside(Path dest) throws IOException {
    Path dir = dest.toAbsolutePath().getParent();
    String prefix = "." + dest.getFileName() + ".";
    return POSIX ? Files.createTempFile(dir, prefix, ".tmp", fileMode()) : Files.createTempFile(dir, prefix, ".tmp");
  }

  /** A new owner-only (0700) temporary folder inside {@code dir}. */
  public static Path tempFolder(Path dir, String prefix) throws IOException {
    return POSIX ? Files.createTempDirectory(dir, prefix, folderMode()) : Files.createTempDirectory(dir, prefix);
  }

  /** Renames {@code from} over {@code dest} (checked first), atomically where the file system can. */
  public static void moveIntoPlace(Path from, Path dest) throws IOException {
    checkDestination(dest);
    try {
      Files.move(from, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, dest, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Writes one file whole: folder checked or made, destination checked, temporary file, rename. */
  public static Path write(Path file, Body body) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      folder(parent);
    }
    checkDestination(file);
    Path tmp = tempBeside(file);
    try {
      try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        body.writeTo(out);
      }
      moveIntoPlace(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return file;
  }

  public static Path writeString(Path file, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return write(file, out -> out.write(bytes));
  }

  /**
   * An empty owner-only file for another process to append to (a server's log): created 0600
   * when absent, refused when it is a symlink or not a regular file.
   */
  public static Path logFile(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      folder(parent);
    }
    checkDestination(file);
    if (attributes(file) == null) {
      createNew(file).close();
    }
    return file;
  }

  /** The path's own attributes (a symlink is not followed), or null when nothing is there. */
  public static BasicFileAttributes attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static FileAttribute<?>[] fileMode() {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)} : new FileAttribute<?>[0];
  }

  private static FileAttribute<?>[] folderMode() {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FOLDER_MODE)} : new FileAttribute<?>[0];
  }
}
