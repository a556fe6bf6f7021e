package dev.profilemate.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.profilemate.TestPaths;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolChunks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage one chunk of one spool of the chunked golden session and export: every session file
 * must equal the export of the undamaged chunks alone (the file with that chunk cut out; for a
 * copied chunk, the intact file), and metadata.json must say what was dropped.
 */
class SessionSalvageFuzzTest {
  private static final long SEED = 20;
  private static final Path RAW = TestPaths.spoolFixtures().resolve("session_chunked/raw");
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  @TempDir Path tmp;
  private int cases;

  @Test
  void theExportOfADamagedSessionEqualsTheExportOfItsUndamagedChunks() throws IOException {
    Random rnd = new Random(SEED);
    List<Path> spools;
    try (Stream<Path> s = Files.list(RAW)) {
      spools = s.filter(p -> p.toString().endsWith(".pmspool")).sorted().toList();
    }
    assertThat(spools).hasSize(2);
    for (Path spool : spools) {
      byte[] good = Files.readAllBytes(spool);
      List<SpoolChunks.Chunk> chunks = SpoolChunks.of(good);
      for (int k = 0; k < chunks.size(); k++) {
        SpoolChunks.Chunk c = chunks.get(k);
        byte[] without = SpoolChunks.without(good, chunks, Set.of(k));
        if (c.end() - c.start() > 32) { // an empty final chunk has no payload to flip
          byte[] flipped = good.clone();
          flipped[c.start() + 32 + rnd.nextInt(c.end() - c.start() - 32)] ^= (byte) (1 + rnd.nextInt(255));
          compare(spool, flipped, without, "payload flip in chunk " + k);
        }
        byte[] magic = good.clone();
        magic[c.start() + rnd.nextInt(4)] ^= 0x40;
        compare(spool, magic, without, "bad magic at chunk " + k);
        List<byte[]> parts = new ArrayList<>(List.of(good, c.bytes(good)));
        compare(spool, SpoolChunks.concat(parts), good, "chunk " + k + " copied at the end");
      }
    }
    System.out.println("SessionSalvageFuzzTest: " + cases + " damaged sessions exported and compared, seed " + SEED);
  }

  private void compare(Path spool, byte[] damaged, byte[] undamaged, String what) throws IOException {
    String label = spool.getFileName() + ": " + what;
    Path a = session("a", spool, damaged);
    Path b = session("b", spool, undamaged);
    SessionExporter.Result ra = new SessionExporter(SCHEMA).export(a, tmp.resolve("out-a"));
    new SessionExporter(SCHEMA).export(b, tmp.resolve("out-b"));
    cases++;
    assertThat(ra.dropped()).as(label).isNotEmpty();
    assertThat(ra.warnings()).as(label).anyMatch(w -> w.startsWith(spool.getFileName() + ": bytes "));
    Path oa = tmp.resolve("out-a");
    Path ob = tmp.resolve("out-b");
    List<Path> files = files(oa);
    assertThat(files).as(label).isEqualTo(files(ob));
    for (Path f : files) {
      if (f.toString().equals("metadata.json")) {
        assertThat(withoutWarnings(oa.resolve(f))).as(label + ": " + f).isEqualTo(withoutWarnings(ob.resolve(f)));
      } else {
        assertThat(Files.readString(oa.resolve(f))).as(label + ": " + f).isEqualTo(Files.readString(ob.resolve(f)));
      }
    }
    for (Path d : List.of(a.getParent(), b.getParent(), oa, ob)) {
      try (Stream<Path> s = Files.walk(d)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** A copy of the session with one spool replaced; both copies get the same folder name. */
  private Path session(String side, Path spool, byte[] bytes) throws IOException {
    Path s = tmp.resolve(side).resolve("session_fuzz");
    Files.createDirectories(s.resolve("raw"));
    try (Stream<Path> all = Files.list(RAW)) {
      for (Path p : all.toList()) {
        Path to = s.resolve("raw").resolve(p.getFileName());
        if (p.equals(spool)) {
          Files.write(to, bytes);
        } else {
          Files.copy(p, to);
        }
      }
    }
    return s;
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(dir::relativize).sorted().toList();
    }
  }

  private static String withoutWarnings(Path metadata) throws IOException {
    ObjectNode m = (ObjectNode) new ObjectMapper().readTree(metadata.toFile());
    m.remove("warnings");
    return m.toString();
  }
}
