package dev.profilemate.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.TestPaths;
import dev.profilemate.common.Versions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool versions this engine reads (versions.properties) and the one line for those it cannot. */
class SpoolVersionsTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();
  private static final Path SPOOL = TestPaths.spoolFixtures().resolve("session_chunked/raw/engine_core-301.pmspool");

  @TempDir Path tmp;

  @Test
  void theVersionsComeFromTheOneFileBesideTheProbe() throws IOException {
    String declared = Files.readString(TestPaths.repoRoot().resolve("probe/profilemate_probe/versions.properties"));
    assertThat(declared).contains("release=" + Versions.RELEASE)
        .contains("spool=" + Versions.SPOOL_MAJOR + "." + Versions.SPOOL_MINOR)
        .contains("spool.oldest=" + Versions.SPOOL_MAJOR + "." + Versions.SPOOL_OLDEST_MINOR);
    assertThat(ChunkHeader.MAJOR).isEqualTo(Versions.SPOOL_MAJOR);
  }

  @Test
  void everyMinorFromTheOldestToANewerOneReadsTheSameRecords() throws IOException {
    List<String> intact = records(Files.readAllBytes(SPOOL));
    for (int minor : new int[] {Versions.SPOOL_OLDEST_MINOR, Versions.SPOOL_MINOR, Versions.SPOOL_MINOR + 1, 200}) {
      assertThat(records(withVersion(Versions.SPOOL_MAJOR, minor))).as("minor " + minor).isEqualTo(intact);
    }
  }

  @Test
  void aNewerMajorIsOneLineNamingItsVersionAndTheRangeRead() throws IOException {
    Path file = tmp.resolve("engine_core-301.pmspool");
    Files.write(file, withVersion(Versions.SPOOL_MAJOR + 1, 0));
    assertThatThrownBy(() -> SpoolReader.open(file, SCHEMA, 0))
        .isInstanceOf(SpoolFormatException.class)
        .satisfies(e -> {
          String problem = ((SpoolFormatException) e).problem();
          assertThat(problem).isEqualTo("spool version " + (Versions.SPOOL_MAJOR + 1) + ".0 cannot be read: "
              + "this engine reads spool versions " + Versions.SPOOL_MAJOR + "." + Versions.SPOOL_OLDEST_MINOR
              + " to " + Versions.SPOOL_MAJOR + "." + Versions.SPOOL_MINOR + " (and later "
              + Versions.SPOOL_MAJOR + ".x minors)");
          assertThat(e.getMessage()).doesNotContain("\n");
        });
  }

  private byte[] withVersion(int major, int minor) throws IOException {
    byte[] b = Files.readAllBytes(SPOOL);
    for (SpoolChunks.Chunk c : SpoolChunks.of(b)) {
      b[c.start() + 4] = (byte) major;
      b[c.start() + 5] = (byte) minor;
    }
    return b;
  }

  private List<String> records(byte[] spool) throws IOException {
    Path file = Files.createTempFile(tmp, "v", ".pmspool");
    Files.write(file, spool);
    List<String> out = new ArrayList<>();
    try (SpoolReader r = SpoolReader.open(file, SCHEMA, 0)) {
      r.forEachRemaining(rec -> out.add(rec.type().name() + rec.tNs() + java.util.Arrays.deepToString(rec.values())));
      assertThat(r.dropped()).isEmpty();
    }
    return out;
  }
}
