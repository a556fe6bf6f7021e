package dev.profilemate.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader resumed at another reader's position reads exactly the records a whole read has after
 * it: at every record, and across a file that grew (a live writer) between the two reads.
 */
class SpoolResumeTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  private static String text(SpoolRecord r) {
    StringBuilder b = new StringBuilder(r.name()).append('@').append(r.tNs());
    for (Object v : r.values()) {
      b.append('|').append(v instanceof int[] a ? Arrays.toString(a) : v instanceof long[] a ? Arrays.toString(a) : v);
    }
    return b.toString();
  }

  private static List<String> rest(SpoolReader r) {
    List<String> out = new ArrayList<>();
    while (r.hasNext()) {
      out.add(text(r.next()));
    }
    return out;
  }

  @Test
  void resumingAtEveryRecordReadsTheRest() throws IOException {
    Path spool = TestPaths.spoolFixtures().resolve("normal.pmspool");
    List<String> all;
    try (SpoolReader r = SpoolReader.open(spool, SCHEMA, 0)) {
      all = rest(r);
    }
    assertThat(all).hasSizeGreaterThanOrEqualTo(10);
    for (int k = 1; k <= all.size(); k++) { // open() reads up to the first record: positions start after it
      List<String> got = new ArrayList<>();
      SpoolReader.Position at;
      com.fasterxml.jackson.databind.JsonNode meta;
      try (SpoolReader r = SpoolReader.open(spool, SCHEMA, 0)) {
        meta = r.metadata();
        for (int i = 0; i < k; i++) {
          got.add(text(r.next()));
        }
        at = r.position();
      }
      try (SpoolReader r = SpoolReader.resume(spool, SCHEMA, 0, meta, at)) {
        got.addAll(rest(r));
        assertThat(r.irregular()).isFalse();
        assertThat(r.dropped()).isEmpty();
      }
      assertThat(got).as("resumed after %d records", k).isEqualTo(all);
    }
  }

  @Test
  void resumingAFileThatGrewReadsOnlyTheNewRecords(@TempDir Path tmp) throws IOException {
    byte[] whole = Files.readAllBytes(TestPaths.spoolFixtures().resolve("normal.pmspool"));
    List<String> all;
    Path file = tmp.resolve("live.pmspool");
    Files.write(file, whole);
    try (SpoolReader r = SpoolReader.open(file, SCHEMA, 0)) {
      all = rest(r);
    }
    for (int cut = 40; cut < whole.length; cut += 97) { // cut anywhere: inside headers, payloads, between chunks
      Files.write(file, Arrays.copyOf(whole, cut));
      List<String> got = new ArrayList<>();
      SpoolReader.Position at;
      com.fasterxml.jackson.databind.JsonNode meta;
      try (SpoolReader r = SpoolReader.open(file, SCHEMA, 0)) {
        meta = r.metadata();
        if (meta == null) {
          continue; // cut inside the first chunk: nothing to resume from
        }
        got.addAll(rest(r));
        at = r.position();
      }
      Files.write(file, whole);
      try (SpoolReader r = SpoolReader.resume(file, SCHEMA, 0, meta, at)) {
        got.addAll(rest(r));
        assertThat(r.irregular()).isFalse();
      }
      assertThat(got).as("grown after a cut at byte %d", cut).isEqualTo(all);
    }
  }

  @Test
  void aChunkOutOfOrderAfterThePositionStopsTheResumedReader(@TempDir Path tmp) throws IOException {
    Path spool = TestPaths.spoolFixtures().resolve("normal.pmspool");
    SpoolReader.Position at;
    com.fasterxml.jackson.databind.JsonNode meta;
    try (SpoolReader r = SpoolReader.open(spool, SCHEMA, 0)) {
      meta = r.metadata();
      r.next();
      at = r.position();
    }
    // a position that claims later chunks were read: the next chunk's number does not follow it
    SpoolReader.Position ahead = new SpoolReader.Position(at.chunk(), at.taken(), at.lastSequence() + 5, false);
    try (SpoolReader r = SpoolReader.resume(spool, SCHEMA, 0, meta, ahead)) {
      rest(r);
      assertThat(r.irregular()).isTrue();
    }
  }
}
