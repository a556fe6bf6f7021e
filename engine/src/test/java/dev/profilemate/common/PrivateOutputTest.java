package dev.profilemate.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.TestPaths;
import dev.profilemate.cli.Main;
import dev.profilemate.kernel.CsvOut;
import dev.profilemate.kernel.KernelJson;
import dev.profilemate.report.ReportWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every writer on real files: modes (0600 files, 0700 folders made), symlinks and foreign file
 * kinds planted at each path written through, and that a refused export changes nothing.
 */
class PrivateOutputTest {
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");

  record Run(int exit, String err) {}

  private static Run cli(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    PrintStream savedOut = System.out;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      return new Run(Main.run(args), err.toString(StandardCharsets.UTF_8).strip());
    } finally {
      System.setErr(saved);
      System.setOut(savedOut);
    }
  }

  /** A copy of the golden session (two processes, every record type) in a writable folder. */
  private static Path session(Path tmp) throws IOException {
    Path session = tmp.resolve("session_x");
    Files.createDirectories(session.resolve("raw"));
    try (Stream<Path> s = Files.list(TestPaths.spoolFixtures().resolve("session_golden/raw"))) {
      for (Path p : s.toList()) {
        Files.copy(p, session.resolve("raw").resolve(p.getFileName()));
      }
    }
    return session;
  }

  private static Set<PosixFilePermission> mode(Path p) throws IOException {
    return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Every file and folder under dir with its mode; the spools in raw/ and their hard links in a
   * triggered capture's raw/ are the probe's files (written owner-only by it; copied here as they are).
   */
  private static Map<String, Set<PosixFilePermission>> modes(Path dir) throws IOException {
    Map<String, Set<PosixFilePermission>> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(p -> !p.equals(dir) && !isProbeSpool(dir.relativize(p))).toList()) {
        m.put(dir.relativize(p).toString(), mode(p));
      }
    }
    return m;
  }

  private static boolean isProbeSpool(Path rel) {
    return rel.startsWith("raw") || rel.getNameCount() == 4 && rel.startsWith("captures")
        && rel.getName(2).toString().equals("raw") && rel.getFileName().toString().endsWith(".pmspool");
  }

  /** Names and contents of every regular file under dir, to see that nothing changed. */
  private static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        m.put(dir.relativize(p).toString(), Files.readString(p));
      }
    }
    return m;
  }

  private static void assertPrivate(Path dir) throws IOException {
    Map<String, Set<PosixFilePermission>> m = modes(dir);
    assertThat(m).isNotEmpty().containsKey("metadata.json").containsKey("moe_expert_tracking");
    m.forEach((name, mode) -> assertThat(mode).as(name)
        .isEqualTo(Files.isDirectory(dir.resolve(name), LinkOption.NOFOLLOW_LINKS) ? FOLDER : FILE));
  }

  @Test
  void exportIntoANewOutFolderMakesItAndEverythingInItOwnerOnly(@TempDir Path tmp) throws IOException {
    Path session = session(tmp);
    Path out = tmp.resolve("new/deeper");
    assertThat(cli("export", session.toString(), "--out", out.toString(), "--quiet").exit()).isZero();
    assertThat(mode(out)).isEqualTo(FOLDER);
    assertThat(mode(tmp.resolve("new"))).isEqualTo(FOLDER);
    assertPrivate(out);
    assertThat(modes(out)).hasSizeGreaterThan(25);
  }

  @Test
  void exportIntoTheSessionOverOldWorldReadableFilesLeavesThemOwnerOnly(@TempDir Path tmp) throws IOException {
    Path session = session(tmp);
    Path old = session.resolve("kv_cache_usage.csv");
    Files.writeString(old, "old\n");
    Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(cli("export", session.toString(), "--quiet").exit()).isZero();
    assertPrivate(session);
    assertThat(Files.readString(old)).startsWith("timestamp_sec,");
  }

  @Test
  void collectWritesOwnerOnlyFilesAndFailsOnARefusedFinalExport(@TempDir Path tmp) throws IOException {
    Path session = session(tmp);
    // the spools' pids (301, 302) are not this machine's processes; pid 0 is never a live child
    assertThat(cli("collect", session.toString(), "--interval", "0.01", "--max-wait", "1").exit()).isZero();
    assertPrivate(session);

    Path victim = Files.createDirectory(tmp.resolve("elsewhere"));
    Files.delete(session.resolve("moe_expert_tracking/moe_summary.json"));
    deleteTree(session.resolve("moe_expert_tracking"));
    Files.createSymbolicLink(session.resolve("moe_expert_tracking"), victim);
    Run r = cli("collect", session.toString(), "--interval", "0.01", "--max-wait", "1");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("moe_expert_tracking").contains("symbolic link");
    try (Stream<Path> s = Files.list(victim)) {
      assertThat(s.toList()).isEmpty();
    }
  }

  /** Each planted path, with the file or folder ProfileMate would write there. */
  @ParameterizedTest
  @ValueSource(strings = {"moe_expert_tracking", "kv_cache_evictions.csv", "metadata.json",
      "moe_expert_tracking/moe_summary.json"})
  void aSymlinkPlantedAtAnyDestinationRefusesTheWholeExportAndFollowsNothing(String planted, @TempDir Path tmp)
      throws IOException {
    Path session = session(tmp);
    Path out = tmp.resolve("out");
    assertThat(cli("export", session.toString(), "--out", out.toString(), "--quiet").exit()).isZero();
    // the previous export's files, made recognisable
    try (Stream<Path> s = Files.walk(out)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        Files.writeString(p, "previous " + p.getFileName());
      }
    }
    Path victimDir = Files.createDirectory(tmp.resolve("victim"));
    Path victimFile = Files.writeString(tmp.resolve("victim.txt"), "not yours");
    Path at = out.resolve(planted);
    deleteTree(at);
    Files.createSymbolicLink(at, planted.endsWith(".json") || planted.endsWith(".csv") ? victimFile : victimDir);
    Map<String, String> before = contents(out);

    Run r = cli("export", session.toString(), "--out", out.toString(), "--quiet");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).doesNotContain("\n").contains(planted).contains("symbolic link");
    assertThat(contents(out)).isEqualTo(before); // not one file moved: nothing half-applied
    assertThat(Files.readString(victimFile)).isEqualTo("not yours");
    try (Stream<Path> s = Files.list(victimDir)) {
      assertThat(s.toList()).isEmpty();
    }
    try (Stream<Path> s = Files.list(out)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".profilemate-export-"));
    }
  }

  @Test
  void aFolderOrFifoWhereAFileGoesAndAFileWhereAFolderGoesAreNeverReplaced(@TempDir Path tmp) throws Exception {
    Path session = session(tmp);
    Path out = tmp.resolve("out");
    Files.createDirectories(out.resolve("metadata.json"));
    Files.writeString(out.resolve("metadata.json/keep"), "mine");
    Run r = cli("export", session.toString(), "--out", out.toString(), "--quiet");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("metadata.json").contains("not a regular file");
    assertThat(contents(out)).isEqualTo(Map.of("metadata.json/keep", "mine"));

    Path out2 = tmp.resolve("out2");
    Files.createDirectories(out2);
    Files.writeString(out2.resolve("moe_expert_tracking"), "a file where a folder goes");
    r = cli("export", session.toString(), "--out", out2.toString(), "--quiet");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("moe_expert_tracking").contains("not a folder");
    assertThat(contents(out2)).isEqualTo(Map.of("moe_expert_tracking", "a file where a folder goes"));

    Path out3 = tmp.resolve("out3");
    Files.createDirectories(out3);
    Process mkfifo = new ProcessBuilder("mkfifo", out3.resolve("kv_cache_usage.csv").toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    r = cli("export", session.toString(), "--out", out3.toString(), "--quiet");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("kv_cache_usage.csv").contains("not a regular file");
    assertThat(contents(out3)).isEmpty();
  }

  @Test
  void aSymlinkedOutSessionRawOrSpoolIsRefusedWithOneLine(@TempDir Path tmp) throws IOException {
    Path real = session(tmp);
    Path linkedSession = Files.createSymbolicLink(tmp.resolve("session_link"), real);
    Run r = cli("export", linkedSession.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).doesNotContain("\n").contains("session_link").contains("symbolic link");

    Path out = Files.createSymbolicLink(tmp.resolve("out_link"), Files.createDirectory(tmp.resolve("victim")));
    r = cli("export", real.toString(), "--out", out.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("out_link").contains("symbolic link");
    try (Stream<Path> s = Files.list(tmp.resolve("victim"))) {
      assertThat(s.toList()).isEmpty();
    }

    Path spool = real.resolve("raw/engine_core-301.pmspool");
    Path moved = Files.move(spool, tmp.resolve("elsewhere.pmspool"));
    Files.createSymbolicLink(spool, moved);
    r = cli("export", real.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("engine_core-301.pmspool").contains("symbolic link");
    Files.delete(spool);
    Files.move(moved, spool);

    Path rawDir = Files.move(real.resolve("raw"), tmp.resolve("raw_elsewhere"));
    Files.createSymbolicLink(real.resolve("raw"), rawDir);
    r = cli("export", real.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("raw").contains("symbolic link");
    assertThat(contents(real)).isEmpty();
  }

  @Test
  void theReportIsOwnerOnlyAndNeverWrittenThroughALink(@TempDir Path tmp) throws IOException {
    Path session = session(tmp);
    assertThat(cli("export", session.toString(), "--quiet").exit()).isZero();
    Path report = tmp.resolve("reports/r.html");
    ReportWriter.write(session, report, null);
    assertThat(mode(report)).isEqualTo(FILE);
    assertThat(mode(report.getParent())).isEqualTo(FOLDER);
    ReportWriter.write(session, null, null);
    assertThat(mode(session.resolve(ReportWriter.DEFAULT_NAME))).isEqualTo(FILE);

    Path victim = Files.writeString(tmp.resolve("victim.html"), "not yours");
    Path link = Files.createSymbolicLink(tmp.resolve("link.html"), victim);
    Run r = cli("report", session.toString(), "--out", link.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).doesNotContain("\n").contains("link.html").contains("symbolic link");
    assertThat(Files.readString(victim)).isEqualTo("not yours");
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  public record Row(String name, long count) {}

  @Test
  void kernelAndBenchOutputsAreOwnerOnlyAndRefuseLinks(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("kernels/csv");
    CsvOut.write(dir, "kernels.csv", Row.class, List.of(new Row("gemm", 3)));
    KernelJson.write(tmp.resolve("kernels/nsys.json"), Map.of("a", 1));
    assertThat(mode(dir)).isEqualTo(FOLDER);
    assertThat(mode(tmp.resolve("kernels"))).isEqualTo(FOLDER);
    assertThat(mode(dir.resolve("kernels.csv"))).isEqualTo(FILE);
    assertThat(mode(tmp.resolve("kernels/nsys.json"))).isEqualTo(FILE);
    assertThat(Files.readString(dir.resolve("kernels.csv"))).isEqualTo("name,count\ngemm,3\n");

    Path victim = Files.writeString(tmp.resolve("victim"), "not yours");
    Files.createSymbolicLink(dir.resolve("idle.csv"), victim);
    assertThatThrownBy(() -> CsvOut.write(dir, "idle.csv", Row.class, List.of()))
        .hasMessageContaining("idle.csv").hasMessageContaining("symbolic link");
    Path linkedDir = Files.createSymbolicLink(tmp.resolve("linked"), Files.createDirectory(tmp.resolve("v2")));
    assertThatThrownBy(() -> KernelJson.write(linkedDir.resolve("x.json"), Map.of()))
        .hasMessageContaining("linked").hasMessageContaining("symbolic link");
    assertThat(Files.readString(victim)).isEqualTo("not yours");
    assertThat(Files.list(tmp.resolve("v2")).count()).isZero();
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.list(p)) {
        for (Path c : s.toList()) {
          deleteTree(c);
        }
      }
    }
    Files.delete(p);
  }
}
