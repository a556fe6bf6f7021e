package dev.profilemate.export;

import dev.profilemate.common.PrivateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a set of output files into a private staging folder inside the target and moves them
 * into place only when all are written and every destination has been checked: a failed or
 * refused export leaves the previous files whole, and none of the new ones. Files are 0600,
 * folders made here 0700 (see {@link PrivateFiles}).
 */
public final class OutputStage implements AutoCloseable {
  private final Path target;
  private final Path staging;
  private final List<String> names = new ArrayList<>();
  private boolean committed;

  public OutputStage(Path target) throws IOException {
    this.target = PrivateFiles.folder(target);
    this.staging = PrivateFiles.tempFolder(target, ".profilemate-export-");
  }

  /** A new file (relative name, may contain one folder level) in the staging area. */
  public OutputStream create(String name) throws IOException {
    Path p = staging.resolve(name);
    PrivateFiles.folder(p.getParent());
    names.add(name);
    return PrivateFiles.createNew(p);
  }

  /** Stages a second copy of an already written file under another name. */
  public void copy(String name, String copyName) throws IOException {
    try (InputStream in = Files.newInputStream(staging.resolve(name), LinkOption.NOFOLLOW_LINKS);
        OutputStream out = create(copyName)) {
      in.transferTo(out);
    }
  }

  /**
   * Checks every destination (and every folder on the way to it, inside the target) before the
   * first move: a symlink or a file of another kind at any of them refuses the whole export.
   */
  public void commit() throws IOException {
    PrivateFiles.checkFolder(target);
    for (String name : names) {
      for (Path dir = target.resolve(name).getParent(); !dir.equals(target); dir = dir.getParent()) {
        PrivateFiles.checkFolder(dir);
      }
      PrivateFiles.checkDestination(target.resolve(name));
    }
    for (String name : names) {
      Path dest = target.resolve(name);
      PrivateFiles.folder(dest.getParent());
      PrivateFiles.moveIntoPlace(staging.resolve(name), dest);
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
