package dev.profilemate.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.profilemate.common.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Sessions for report tests: the golden export, copies of it with files removed or edited. */
final class TestSessions {
  static final Path GOLDEN = Path.of("src/test/resources/golden/session_golden");
  /** A session from vLLM's real scheduler on the CPU (see src/test/resources/report/README.md). */
  static final Path REAL_SCHEDULER = Path.of("src/test/resources/report/real_scheduler_overflow");

  private TestSessions() {}

  /** A copy of the golden session's exported files under {@code tmp}. */
  static Path copyOfGolden(Path tmp) throws IOException {
    return dev.profilemate.TestPaths.copyTree(GOLDEN, tmp.resolve("session_golden"));
  }

  static void editMetadata(Path session, Consumer<ObjectNode> edit) throws IOException {
    Path f = session.resolve("metadata.json");
    ObjectNode root = (ObjectNode) Json.mapper().readTree(f.toFile());
    edit.accept(root);
    try (OutputStream out = Files.newOutputStream(f)) {
      Json.write(out, root);
    }
  }

  static void replaceIn(Path file, String from, String to) throws IOException {
    Files.writeString(file, Files.readString(file).replace(from, to));
  }

  /** Leaves only the header line, as the exporter writes a file whose profiler recorded nothing. */
  static void headerOnly(Path file) throws IOException {
    String first = Files.readAllLines(file).get(0);
    Files.writeString(file, first + "\n");
  }

  /** Deletes a file at the session root and its copy in moe_expert_tracking/, if any. */
  static void delete(Path session, String name) {
    try {
      Files.deleteIfExists(session.resolve(name));
      Files.deleteIfExists(session.resolve("moe_expert_tracking").resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path outDir() throws IOException {
    Path p = Path.of(System.getProperty("profilemate.outDir", "target/test-out")).resolve("report");
    Files.createDirectories(p);
    return p;
  }
}
