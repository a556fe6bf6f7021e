package dev.profilemate.profile;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The last lines of a log file (read from its end, so a large log costs nothing). */
final class LogTail {
  private LogTail() {}

  static List<String> last(Path file, int lines) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long len = f.length();
      int chunk = (int) Math.min(len, 64 * 1024);
      byte[] buf = new byte[chunk];
      f.seek(len - chunk);
      f.readFully(buf);
      String[] all = new String(buf, StandardCharsets.UTF_8).split("\\R");
      List<String> out = new ArrayList<>();
      for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
        out.add(all[i]);
      }
      while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) {
        out.remove(out.size() - 1);
      }
      return out;
    } catch (IOException e) {
      return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
    }
  }
}
