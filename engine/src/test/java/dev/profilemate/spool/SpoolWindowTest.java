package dev.profilemate.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool is read through bounded windows in the heap (not a mapping whose pages stay resident):
 * a reader holds at most one window, of READ_AHEAD or one chunk, and nothing once at the end. Its
 * records are the same, and decoded the same, as the boxed values they stand for.
 */
class SpoolWindowTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  /** normal.pmspool with its chunks after the first repeated (renumbered) until the file passes minBytes. */
  private static byte[] longSpool(long minBytes) throws IOException {
    byte[] one = Files.readAllBytes(TestPaths.spoolFixtures().resolve("normal.pmspool"));
    List<SpoolChunks.Chunk> chunks = SpoolChunks.of(one);
    List<byte[]> parts = new ArrayList<>();
    parts.add(chunks.get(0).bytes(one));
    long size = parts.get(0).length;
    int seq = 1;
    while (size < minBytes) {
      for (SpoolChunks.Chunk c : chunks.subList(1, chunks.size())) {
        byte[] b = c.bytes(one);
        SpoolChunks.putInt(b, 16, seq++);
        b[7] = 0; // not final: the file goes on
        parts.add(b);
        size += b.length;
      }
    }
    return SpoolChunks.concat(parts);
  }

  @Test
  void aLongSpoolIsReadThroughOneBoundedWindowReleasedAtTheEnd(@TempDir Path dir) throws IOException {
    byte[] file = longSpool(3L * SpoolBytes.READ_AHEAD + 12345);
    Path f = dir.resolve("long.pmspool");
    Files.write(f, file);
    int largestChunk = SpoolChunks.of(file).stream().mapToInt(c -> c.end() - c.start()).max().orElseThrow();
    long records = 0;
    int held = 0;
    try (SpoolReader r = SpoolReader.open(f, SCHEMA, 0)) {
      assertThat(r.heldBytes()).isLessThanOrEqualTo(Math.max(SpoolBytes.FIRST_READ, largestChunk));
      while (r.hasNext()) {
        r.next();
        records++;
        held = Math.max(held, r.heldBytes());
      }
      assertThat(r.dropped()).isEmpty();
      assertThat(r.heldBytes()).isZero();
    }
    assertThat(records).isEqualTo(SpoolChunks.totalRecords(file) - 1); // less the metadata record
    assertThat(held).isPositive().isLessThanOrEqualTo(Math.max(SpoolBytes.READ_AHEAD, largestChunk));
  }

  @Test
  void bytesGoneSinceTheOpenReadAsZeros(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("cut.pmspool");
    byte[] data = new byte[100_000];
    java.util.Arrays.fill(data, (byte) 7);
    Files.write(f, data);
    try (SpoolBytes b = new SpoolBytes(f)) {
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
        raf.setLength(10_000); // a writer cut its torn tail back after the reader opened the file
      }
      ByteBuffer w = b.map(9_990, 40);
      int at = b.at(9_990);
      assertThat(w.get(at)).isEqualTo((byte) 7);
      assertThat(w.get(at + 9)).isEqualTo((byte) 7);
      assertThat(w.get(at + 10)).isZero();
      assertThat(w.getInt(at + 36)).isZero();
    }
  }

  @Test
  void decodedFieldsReadAsTheBoxedValuesTheyStandFor() throws IOException {
    int checked = 0;
    for (String name : List.of("normal.pmspool", "session_golden")) {
      Path p = TestPaths.spoolFixtures().resolve(name);
      List<Path> files = new ArrayList<>();
      if (Files.isDirectory(p)) {
        try (var s = Files.walk(p)) {
          s.filter(x -> x.toString().endsWith(".pmspool")).sorted().forEach(files::add);
        }
      } else {
        files.add(p);
      }
      for (Path f : files) {
        try (SpoolReader r = SpoolReader.open(f, SCHEMA, 0)) {
          while (r.hasNext()) {
            SpoolRecord got = r.next();
            SpoolRecord boxed = new SpoolRecord(got.type(), got.process(), got.tNs(), got.values());
            for (int i = 0; i < got.type().fields().size(); i++) {
              String field = new String(got.type().fields().get(i)); // not the interned name: the slow path too
              switch (got.type().types().get(i)) {
                case I64, I32, U8, F64 -> {
                  assertThat(got.getLong(field)).as(field).isEqualTo(boxed.getLong(field));
                  assertThat(Double.doubleToRawLongBits(got.getDouble(field))).as(field)
                      .isEqualTo(Double.doubleToRawLongBits(boxed.getDouble(field)));
                }
                case STR, TEXT -> assertThat(got.getString(field)).isEqualTo(boxed.getString(field));
                case I32S -> assertThat(got.getInts(field)).isEqualTo(boxed.getInts(field));
                case I64S -> assertThat(got.getLongs(field)).isEqualTo(boxed.getLongs(field));
              }
              checked++;
            }
            assertThat(got.getLong("no_such_field")).isZero();
            assertThat(got.getString("no_such_field")).isEmpty();
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(100);
  }
}
