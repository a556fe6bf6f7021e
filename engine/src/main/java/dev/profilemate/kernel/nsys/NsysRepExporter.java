package dev.profilemate.kernel.nsys;

import dev.profilemate.common.UserDataException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Turns an {@code .nsys-rep} into the SQLite export beside it ({@code X.nsys-rep} → {@code
 * X.sqlite}) with {@code nsys export --type sqlite}, when nsys is on PATH. An export that is
 * already there and newer than the report is reused.
 */
public final class NsysRepExporter {
  private final String path;

  public NsysRepExporter(String pathVariable) {
    this.path = pathVariable == null ? "" : pathVariable;
  }

  public static boolean isReport(Path file) {
    return file.getFileName().toString().endsWith(".nsys-rep") || file.getFileName().toString().endsWith(".qdrep");
  }

  Path findNsys() {
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, "nsys");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  public Path export(Path rep) {
    if (!Files.isRegularFile(rep)) {
      throw new UserDataException(rep + ": file not found");
    }
    String base = rep.getFileName().toString().replaceFirst("\\.(nsys-rep|qdrep)$", "");
    Path out = rep.toAbsolutePath().resolveSibling(base + ".sqlite");
    try {
      if (Files.isRegularFile(out)) {
        FileTime a = Files.getLastModifiedTime(out);
        FileTime b = Files.getLastModifiedTime(rep);
        if (a.compareTo(b) >= 0) {
          return out;
        }
      }
    } catch (IOException e) {
      // fall through and export again
    }
    Path nsys = findNsys();
    if (nsys == null) {
      throw new UserDataException(rep + ": an .nsys-rep must be exported to SQLite first and `nsys` is not on PATH;"
          + " run `nsys export --type sqlite " + rep + "` and pass the .sqlite file");
    }
    List<String> cmd = List.of(nsys.toString(), "export", "--type", "sqlite", "--force-overwrite", "true",
        "--output", out.toString(), rep.toString());
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] log = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new UserDataException(rep + ": `nsys export` did not finish in 30 minutes");
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(out)) {
        String text = new String(log, StandardCharsets.UTF_8).strip();
        String last = text.isEmpty() ? "" : text.substring(text.lastIndexOf('\n') + 1);
        throw new UserDataException(rep + ": `nsys export --type sqlite` failed with exit " + p.exitValue()
            + (last.isEmpty() ? "" : " (" + last + ")"));
      }
      return out;
    } catch (IOException e) {
      throw new UserDataException(rep + ": cannot run " + nsys + " (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserDataException(rep + ": interrupted while exporting");
    }
  }
}
