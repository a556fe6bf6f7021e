package dev.profilemate.export;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a set of output files into a private staging folder and moves them into place only
 * when all are written: a failed export leaves the previous files whole.
 */
public final class OutputStage implements AutoCloseable {
  private final Path target;
  private final Path staging;
  private final List<String> names = new ArrayList<>();
  private boolean committed;

  public OutputStage(Path target) throws IOException {
    if (Files.isSymbolicLink(target)) {
      throw new IOException(target + ": is a symlink; refusing to write through it");
    }
    Files.createDirectories(target);
    this.target = target;
    this.staging = Files.createTempDirectory(target, ".profilemate-export-");
  }

  /** A new file (relative name, may contain one folder level) in the staging area. */
  public OutputStream create(String name) throws IOException {
    Path p = staging.resolve(name);
    Files.createDirectories(p.getParent());
    names.add(name);
    return Files.newOutputStream(p);
  }

  /** Stages a second copy of an already written file under another name. */
  public void copy(String name, String copyName) throws IOException {
    Path dest = staging.resolve(copyName);
    Files.createDirectories(dest.getParent());
    Files.copy(staging.resolve(name), dest);
    names.add(copyName);
  }

  public void commit() throws IOException {
    for (String name : names) {
      Path dest = target.resolve(name);
      Files.createDirectories(dest.getParent());
      if (Files.isSymbolicLink(dest)) {
        throw new IOException(dest + ": is a symlink; refusing to replace it");
      }
      try {
        Files.move(staging.resolve(name), dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(staging.resolve(name), dest, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    committed = true;
  }

  @Override
  public void close() {
    try {
      deleteTree(staging);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean committed() {
    return committed;
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
        for (Path c : ds) {
          deleteTree(c);
        }
      }
    }
    Files.delete(p);
  }
}
