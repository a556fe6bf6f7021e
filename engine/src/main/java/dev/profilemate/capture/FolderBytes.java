package dev.profilemate.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** What captures take on disk, and their removal: hard links make one file several names. */
final class FolderBytes {
  private FolderBytes() {}

  /** Bytes of the files in each folder, each inode counted once (a file two folders share, in the first). */
  static Map<Path, Long> sizes(List<Path> folders) throws IOException {
    Map<Path, Long> out = new LinkedHashMap<>();
    Set<Object> seen = new HashSet<>();
    for (Path dir : folders) {
      long sum = 0;
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> s = Files.list(dir)) {
          for (Path p : s.toList()) {
            try {
              if (seen.add(inode(p))) {
                sum += Files.size(p);
              }
            } catch (NoSuchFileException e) {
              // removed meanwhile
            }
          }
        }
      }
      out.put(dir, sum);
    }
    return out;
  }

  private static Object inode(Path p) throws IOException {
    try {
      return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return p; // no inode numbers here: each file counted
    }
  }

  /** Deletes a folder and what it holds, never following a link out of it. */
  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
