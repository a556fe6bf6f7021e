package dev.profilemate.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.TestPaths;
import dev.profilemate.session.SessionReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of damage costs only the damaged part, and says what it cost. */
class SpoolSalvageTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();
  private static final Path CHUNKED = TestPaths.spoolFixtures().resolve("session_chunked/raw");

  @TempDir Path tmp;
  private byte[] good;
  private List<SpoolChunks.Chunk> chunks;

  @BeforeEach
  void load() throws IOException {
    good = Files.readAllBytes(CHUNKED.resolve("engine_core-301.pmspool"));
    chunks = SpoolChunks.of(good);
    assertThat(chunks).hasSizeGreaterThan(5);
  }

  /** What one read of a file gave. */
  record Read(long payloadRecords, long records, List<DroppedRange> dropped, boolean incomplete, boolean metadata) {
    long lost() {
      return dropped.stream().mapToLong(DroppedRange::recordsLost).sum();
    }
  }

  private Read read(byte[] b) throws IOException {
    Path f = tmp.resolve("engine_core-301.pmspool");
    Files.write(f, b);
    try (SpoolReader r = SpoolReader.open(f, SCHEMA, 0)) {
      long n = 0;
      while (r.hasNext()) {
        r.next();
        n++;
      }
      assertThat(n).isEqualTo(r.recordsRead());
      return new Read(r.payloadRecordsRead(), r.recordsRead(), r.dropped(), r.incomplete(), r.metadata() != null);
    }
  }

  private SpoolChunks.Chunk chunk(int i) {
    return chunks.get(i);
  }

  @Test
  void aChecksumMismatchCostsItsChunkCounted() throws IOException {
    byte[] b = good.clone();
    b[chunk(3).start() + 40] ^= 0x20;
    Read r = read(b);
    assertThat(r.dropped()).singleElement().satisfies(d -> {
      assertThat(d.from()).isEqualTo(chunk(3).start());
      assertThat(d.to()).isEqualTo(chunk(3).end());
      assertThat(d.cause()).isEqualTo("chunk checksum mismatch");
      assertThat(d.recordsLost()).isEqualTo(chunk(3).records());
      assertThat(d.missingChunks()).isEqualTo("3");
      assertThat(d.describe()).isEqualTo("engine_core-301.pmspool: bytes " + chunk(3).start() + "-" + chunk(3).end()
          + " dropped (chunk checksum mismatch; chunks 3 missing); " + chunk(3).records() + " records lost");
    });
    assertThat(r.payloadRecords() + r.lost()).isEqualTo(SpoolChunks.totalRecords(good));
    assertThat(r.incomplete()).isFalse();
  }

  @Test
  void aBadMagicIsSkippedToTheNextChunkThatVerifies() throws IOException {
    byte[] b = good.clone();
    b[chunk(3).start()] = 'X';
    Read r = read(b);
    assertThat(r.dropped()).singleElement().satisfies(d -> {
      assertThat(d.from()).isEqualTo(chunk(3).start());
      assertThat(d.to()).isEqualTo(chunk(4).start());
      assertThat(d.cause()).isEqualTo("bad chunk magic");
      assertThat(d.countable()).isFalse();
      assertThat(d.describe()).endsWith("; unknown records lost");
    });
    assertThat(r.payloadRecords()).isEqualTo(SpoolChunks.totalRecords(good) - chunk(3).records());
  }

  @Test
  void anUnknownStateOrAnUncommittedChunkInTheMiddleIsSkippedBySize() throws IOException {
    for (int state : new int[] {0x07, 0xFF}) {
      byte[] b = good.clone();
      b[chunk(2).start() + 6] = (byte) state;
      Read r = read(b);
      assertThat(r.dropped()).singleElement().satisfies(d -> {
        assertThat(d.cause()).isEqualTo(state == 0xFF ? "uncommitted chunk followed by more data" : "unknown chunk state 7");
        assertThat(d.to()).isEqualTo(chunk(2).end());
        assertThat(d.recordsLost()).isEqualTo(chunk(2).records());
      });
      assertThat(r.payloadRecords() + r.lost()).isEqualTo(SpoolChunks.totalRecords(good));
    }
  }

  @Test
  void aPayloadSizeRunningPastTheFileMidwayIsDamageNotATornTail() throws IOException {
    byte[] b = good.clone();
    SpoolChunks.putInt(b, chunk(3).start() + 8, 0x7FFF_0000);
    Read r = read(b);
    assertThat(r.incomplete()).isFalse();
    assertThat(r.dropped()).singleElement().satisfies(d -> {
      assertThat(d.to()).isEqualTo(chunk(4).start());
      assertThat(d.cause()).contains("runs past the end of the file");
    });
  }

  @Test
  void aMalformedRecordInAChunkWhoseCrcMatchesCostsTheRestOfThatChunk() throws IOException {
    byte[] b = good.clone();
    SpoolChunks.Chunk c = chunk(3);
    int first = c.start() + 32;
    int second = first + 6 + SpoolChunks.getInt(b, first);
    SpoolChunks.putInt(b, second, 1 << 30);
    SpoolChunks.fixCrc(b, c);
    Read r = read(b);
    assertThat(r.dropped()).singleElement().satisfies(d -> {
      assertThat(d.from()).isEqualTo(second);
      assertThat(d.to()).isEqualTo(c.end());
      assertThat(d.cause()).isEqualTo("record of " + (1 << 30) + " bytes runs past its chunk");
      assertThat(d.recordsLost()).isEqualTo(c.records() - 1);
    });
    assertThat(r.payloadRecords() + r.lost()).isEqualTo(SpoolChunks.totalRecords(good));
  }

  @Test
  void aDuplicatedChunkIsReadOnceAndReported() throws IOException {
    List<byte[]> parts = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      parts.add(chunk(i).bytes(good));
      if (i == 2) {
        parts.add(chunk(i).bytes(good));
      }
    }
    Read r = read(SpoolChunks.concat(parts));
    assertThat(r.dropped()).singleElement().satisfies(d -> {
      assertThat(d.from()).isEqualTo(chunk(3).start());
      assertThat(d.cause()).isEqualTo("a second copy of chunk 2, read once");
      assertThat(d.recordsLost()).isZero();
      assertThat(d.missingChunks()).isEmpty();
    });
    assertThat(r.payloadRecords()).isEqualTo(SpoolChunks.totalRecords(good));
  }

  @Test
  void aChunkCutOutCleanlyIsStillSaidAndReorderedChunksAreNot() throws IOException {
    // no damaged byte is left where chunk 3 was: only its absent number tells
    List<byte[]> parts = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      if (i != 3) {
        parts.add(chunk(i).bytes(good));
      }
    }
    byte[] cut = SpoolChunks.concat(parts);
    Read r = read(cut);
    assertThat(r.dropped()).singleElement().satisfies(d -> {
      assertThat(d.missingChunks()).isEqualTo("3");
      assertThat(d.countable()).isFalse();
      assertThat(d.describe()).isEqualTo("engine_core-301.pmspool: bytes " + cut.length + "-" + cut.length
          + " dropped (no damaged bytes, but chunk numbers are absent: the file was cut or spliced between chunks,"
          + " or a chunk's number is damaged; chunks 3 missing); unknown records lost");
    });
    assertThat(r.payloadRecords()).isEqualTo(SpoolChunks.totalRecords(good) - chunk(3).records());

    parts.clear();
    for (int i = 0; i < chunks.size(); i++) {
      parts.add(chunk(i == 2 ? 3 : i == 3 ? 2 : i).bytes(good));
    }
    Read swapped = read(SpoolChunks.concat(parts));
    assertThat(swapped.dropped()).isEmpty();
    assertThat(swapped.payloadRecords()).isEqualTo(SpoolChunks.totalRecords(good));
  }

  @Test
  void losingTheMetadataChunkCostsTheFileCounted() throws IOException {
    byte[] b = good.clone();
    b[chunk(0).start() + 100] ^= 1;
    Read r = read(b);
    assertThat(r.metadata()).isFalse();
    assertThat(r.payloadRecords()).isZero();
    assertThat(r.dropped()).hasSize(2);
    assertThat(r.dropped().get(1).cause()).startsWith("no metadata record before it");
    assertThat(r.dropped().get(1).to()).isEqualTo(good.length);
    assertThat(r.lost()).isEqualTo(SpoolChunks.totalRecords(good));
  }

  @Test
  void aTornTailStaysIncompleteWithEveryEarlierRecordKept() throws IOException {
    SpoolChunks.Chunk last = chunks.getLast();
    Read r = read(java.util.Arrays.copyOf(good, last.start() + 40));
    assertThat(r.incomplete()).isTrue();
    assertThat(r.dropped()).isEmpty();
    assertThat(r.payloadRecords()).isEqualTo(SpoolChunks.totalRecords(good) - last.records());
  }

  @Test
  void strictModeThrowsAtTheFirstDrop() throws IOException {
    byte[] b = good.clone();
    b[chunk(3).start() + 40] ^= 0x20;
    Path f = tmp.resolve("strict.pmspool");
    Files.write(f, b);
    assertThatThrownBy(() -> {
      try (SpoolReader r = SpoolReader.open(f, SCHEMA, 0, true)) {
        r.forEachRemaining(x -> {});
      }
    }).hasRootCauseInstanceOf(SpoolFormatException.class)
        .hasMessageContaining("strict.pmspool: chunk checksum mismatch");
  }

  @Test
  void aNewerMajorVersionRefusesThatFileOnlyAndAnEmptyOrTornSpoolIsSkipped() throws IOException {
    Path session = tmp.resolve("session_v");
    Files.createDirectories(session.resolve("raw"));
    byte[] future = good.clone();
    for (SpoolChunks.Chunk c : chunks) {
      future[c.start() + 4] = 2;
    }
    Files.write(session.resolve("raw/engine_core-301.pmspool"), future);
    Files.write(session.resolve("raw/empty-1.pmspool"), new byte[0]);
    Files.write(session.resolve("raw/torn-2.pmspool"), java.util.Arrays.copyOf(good, 20));
    Files.copy(CHUNKED.resolve("worker-302.pmspool"), session.resolve("raw/worker-302.pmspool"));
    assertThatThrownBy(() -> SpoolReader.open(session.resolve("raw/engine_core-301.pmspool"), SCHEMA, 0))
        .isInstanceOf(SpoolFormatException.class)
        .hasMessageContaining(SpoolReader.unsupported(2, good[5]));
    try (SessionReader s = SessionReader.open(session, SCHEMA)) {
      assertThat(s.processes()).extracting(p -> p.pid()).containsExactly(302L);
      s.merged().forEachRemaining(x -> {});
      assertThat(s.dropped()).singleElement().satisfies(d -> {
        assertThat(d.from()).isZero();
        assertThat(d.to()).isEqualTo(good.length);
        assertThat(d.cause()).isEqualTo(SpoolReader.unsupported(2, good[5]));
      });
      assertThat(s.warnings()).contains("empty-1.pmspool: empty or torn before its metadata; skipped",
          "torn-2.pmspool: empty or torn before its metadata; skipped");
    }
    assertThatThrownBy(() -> SessionReader.open(session, SCHEMA, true)).hasMessageContaining("spool version 2." + good[5] + " ");
  }
}
