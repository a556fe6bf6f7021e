package dev.profilemate.spool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.profilemate.TestPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer over every golden spool the probe's own writer produced: cuts, byte
 * flips, copied and reordered chunks, other versions, huge length fields and 100 KB strings.
 * Whatever the damage, only {@link SpoolFormatException} may escape (a newer major version), and
 * nothing is lost silently: records read + records reported lost = the intact file's records
 * whenever every loss is countable. A failure names its case; the seed makes it reproduce.
 */
class SpoolFuzzTest {
  private static final long SEED = 20;
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  @TempDir Path tmp;
  private int cases;

  /** What one read gave; refused holds the message when the file was refused whole. */
  record Outcome(long payload, long unknown, List<DroppedRange> dropped, boolean incomplete, boolean metadata,
      String role, String refused) {
    long lost() {
      return dropped.stream().mapToLong(DroppedRange::recordsLost).sum();
    }

    boolean countable() {
      return dropped.stream().allMatch(DroppedRange::countable);
    }
  }

  static List<Path> goldenSpools() throws IOException {
    try (Stream<Path> s = Files.walk(TestPaths.spoolFixtures())) {
      return s.filter(p -> p.toString().endsWith(".pmspool")).sorted().toList();
    }
  }

  private Outcome read(byte[] b, String label) throws IOException {
    Path f = tmp.resolve("fuzz-1.pmspool");
    Files.write(f, b);
    cases++;
    try (SpoolReader r = SpoolReader.open(f, SCHEMA, 0)) {
      long n = 0;
      while (r.hasNext()) {
        assertThat(r.next().process()).isZero();
        n++;
      }
      assertThat(n).as(label).isEqualTo(r.recordsRead());
      assertThat(r.hasNext()).as(label).isFalse();
      for (DroppedRange d : r.dropped()) {
        assertThat(d.from()).as(label).isLessThanOrEqualTo(d.to());
        assertThat(d.to()).as(label).isLessThanOrEqualTo(b.length);
        assertThat(d.describe()).as(label).doesNotContain("\n").startsWith("fuzz-1.pmspool: bytes ");
      }
      String role = r.metadata() == null ? null : r.metadata().path("role").asText();
      return new Outcome(r.payloadRecordsRead(), r.unknownRecordsSkipped(), r.dropped(), r.incomplete(),
          r.metadata() != null, role, null);
    } catch (SpoolFormatException e) {
      assertThat(e.getMessage()).as(label).doesNotContain("\n").startsWith(f.toString() + ": ");
      return new Outcome(0, 0, List.of(), false, false, null, e.getMessage());
    }
  }

  /** Records read + records reported lost = the intact file's, when every loss is countable. */
  private static void noSilentLoss(Outcome intact, Outcome m, String label) {
    if (m.refused() == null && m.countable() && (!m.incomplete() || intact.incomplete())) {
      assertThat(m.payload() + m.lost()).as(label + ": read " + m.payload() + " + lost " + m.lost() + "; dropped "
          + m.dropped()).isEqualTo(intact.payload());
    }
  }

  @Test
  void mutatedGoldenSpoolsNeverThrowOtherThanTheDocumentedErrorAndLoseNothingSilently() throws IOException {
    Random rnd = new Random(SEED);
    int files = 0;
    for (Path src : goldenSpools()) {
      byte[] good = Files.readAllBytes(src);
      List<SpoolChunks.Chunk> chunks = SpoolChunks.of(good);
      Outcome intact = read(good, src + " intact");
      assertThat(intact.dropped()).as(src.toString()).isEmpty();
      assertThat(intact.payload()).as(src.toString()).isEqualTo(SpoolChunks.totalRecords(good));
      String name = src.getFileName().toString();
      cuts(name, good, chunks, intact, rnd);
      flips(name, good, chunks, intact, rnd);
      writerBugs(name, good, chunks, intact, rnd);
      copiesAndOrder(name, good, chunks, intact, rnd);
      versionsAndSizes(name, good, chunks, intact);
      hugeStrings(name, good, chunks, intact);
      files++;
    }
    System.out.println("SpoolFuzzTest: " + cases + " mutated spools from " + files + " golden files, seed " + SEED);
    assertThat(files).isGreaterThanOrEqualTo(9);
    assertThat(cases).isGreaterThan(2000);
  }

  /** Cuts at every chunk boundary (and one byte either side) and at random offsets: a torn tail, nothing dropped. */
  private void cuts(String name, byte[] good, List<SpoolChunks.Chunk> chunks, Outcome intact, Random rnd)
      throws IOException {
    List<Integer> at = new ArrayList<>(List.of(0, 1, 31, 32, 33));
    for (SpoolChunks.Chunk c : chunks) {
      at.addAll(List.of(c.end() - 1, c.end(), c.end() + 1, c.start() + 31, c.start() + 32));
    }
    for (int i = 0; i < 40; i++) {
      at.add(rnd.nextInt(good.length + 1));
    }
    for (int cut : at) {
      if (cut < 0 || cut > good.length) {
        continue;
      }
      String label = name + " cut at " + cut;
      Outcome m = read(Arrays.copyOf(good, cut), label);
      long whole = chunks.stream().filter(c -> c.end() <= cut).mapToLong(SpoolChunks.Chunk::records).sum();
      boolean boundary = cut == 0 || chunks.stream().anyMatch(c -> c.end() == cut);
      assertThat(m.dropped()).as(label).isEmpty();
      assertThat(m.refused()).as(label).isNull();
      assertThat(m.payload()).as(label).isEqualTo(whole);
      if (cut < good.length || !intact.incomplete()) {
        assertThat(m.incomplete()).as(label).isEqualTo(!boundary);
      }
    }
  }

  /** Bit flips: inside one payload (the chunk's CRC fails, exactly that chunk is dropped), and anywhere. */
  private void flips(String name, byte[] good, List<SpoolChunks.Chunk> chunks, Outcome intact, Random rnd)
      throws IOException {
    for (int i = 0; i < 150; i++) {
      int ci = rnd.nextInt(chunks.size());
      SpoolChunks.Chunk c = chunks.get(ci);
      if (c.end() - c.start() == 32) {
        continue;
      }
      byte[] m = good.clone();
      int at = c.start() + 32 + rnd.nextInt(c.end() - c.start() - 32);
      m[at] ^= (byte) (1 + rnd.nextInt(255));
      String label = name + " payload flip at " + at + " (chunk " + ci + ")";
      Outcome o = read(m, label);
      assertThat(o.dropped()).as(label).isNotEmpty();
      assertThat(o.dropped().getFirst().from()).as(label).isEqualTo(c.start());
      assertThat(o.dropped().getFirst().cause()).as(label).isEqualTo("chunk checksum mismatch");
      if (ci > 0) {
        assertThat(o.dropped()).as(label).hasSize(1);
        assertThat(o.dropped().getFirst().to()).as(label).isEqualTo(c.end());
        assertThat(o.payload()).as(label).isEqualTo(intact.payload() - c.records());
      } else {
        assertThat(o.metadata()).as(label).isFalse();
        assertThat(o.payload()).as(label).isZero();
      }
      noSilentLoss(intact, o, label);
    }
    for (int i = 0; i < 150; i++) {
      byte[] m = good.clone();
      int n = 1 + rnd.nextInt(4);
      StringBuilder where = new StringBuilder();
      for (int k = 0; k < n; k++) {
        int at = rnd.nextInt(m.length);
        m[at] ^= (byte) (1 + rnd.nextInt(255));
        where.append(' ').append(at);
      }
      String label = name + " flips at" + where;
      noSilentLoss(intact, read(m, label), label);
    }
  }

  /**
   * Huge record sizes and string lengths in chunks whose CRC was recomputed (a writer bug, not
   * disk damage): the malformed record costs the rest of its chunk, counted exactly.
   */
  private void writerBugs(String name, byte[] good, List<SpoolChunks.Chunk> chunks, Outcome intact, Random rnd)
      throws IOException {
    for (int i = 0; i < 60; i++) {
      int ci = rnd.nextInt(chunks.size());
      SpoolChunks.Chunk c = chunks.get(ci);
      List<Integer> records = recordOffsets(good, c);
      if (records.isEmpty()) {
        continue;
      }
      int ri = rnd.nextInt(records.size());
      int at = records.get(ri);
      byte[] m = good.clone();
      String label;
      if (i % 2 == 0) {
        int huge = rnd.nextBoolean() ? -1 : (c.end() - at) + rnd.nextInt(1 << 20);
        SpoolChunks.putInt(m, at, huge);
        label = name + " record size " + Integer.toUnsignedString(huge) + " at " + at;
      } else {
        int str = firstStringAt(good, at);
        if (str < 0) {
          continue;
        }
        m[str] = (byte) 0xFF;
        m[str + 1] = (byte) 0xFF;
        label = name + " string length 65535 at " + str;
      }
      SpoolChunks.fixCrc(m, c);
      Outcome o = read(m, label + " (chunk " + ci + ", record " + ri + ")");
      assertThat(o.dropped()).as(label).isNotEmpty();
      assertThat(o.dropped().getFirst().from()).as(label).isEqualTo(at + (i % 2 == 0 ? 0 : 0));
      assertThat(o.dropped().getFirst().to()).as(label).isEqualTo(c.end());
      assertThat(o.dropped().getFirst().recordsLost()).as(label).isEqualTo(c.records() - ri);
      assertThat(o.incomplete()).as(label).isEqualTo(intact.incomplete());
      noSilentLoss(intact, o, label);
      assertThat(o.countable()).as(label).isTrue();
    }
  }

  /** Copies of chunks later in the file are read once; chunks out of order are all read. */
  private void copiesAndOrder(String name, byte[] good, List<SpoolChunks.Chunk> chunks, Outcome intact, Random rnd)
      throws IOException {
    byte[] tail = Arrays.copyOfRange(good, chunks.getLast().end(), good.length); // a torn fixture's tail
    for (int i = 0; i < chunks.size(); i++) {
      for (int after : List.of(i, chunks.size() - 1)) {
        List<byte[]> parts = new ArrayList<>();
        for (int k = 0; k < chunks.size(); k++) {
          parts.add(chunks.get(k).bytes(good));
          if (k == after) {
            parts.add(chunks.get(i).bytes(good));
          }
        }
        parts.add(tail);
        String label = name + " chunk " + i + " copied after chunk " + after;
        Outcome o = read(SpoolChunks.concat(parts), label);
        assertThat(o.payload()).as(label).isEqualTo(intact.payload());
        assertThat(o.dropped()).as(label).singleElement().satisfies(d -> {
          assertThat(d.cause()).startsWith("a second copy of chunk");
          assertThat(d.recordsLost()).isZero();
        });
      }
    }
    for (int n = 0; n < 20 && chunks.size() > 1; n++) {
      int a = rnd.nextInt(chunks.size());
      int b = rnd.nextInt(chunks.size());
      List<byte[]> parts = new ArrayList<>();
      for (int k = 0; k < chunks.size(); k++) {
        parts.add(chunks.get(k == a ? b : k == b ? a : k).bytes(good));
      }
      parts.add(tail);
      String label = name + " chunks " + a + " and " + b + " swapped";
      Outcome o = read(SpoolChunks.concat(parts), label);
      noSilentLoss(intact, o, label);
      assertThat(o.countable()).as(label).isTrue();
      if (a != 0 && b != 0) {
        assertThat(o.dropped()).as(label).isEmpty();
        assertThat(o.payload()).as(label).isEqualTo(intact.payload());
      }
    }
  }

  /** Another major or minor version, and huge payload sizes. */
  private void versionsAndSizes(String name, byte[] good, List<SpoolChunks.Chunk> chunks, Outcome intact)
      throws IOException {
    byte[] future = good.clone();
    byte[] minor = good.clone();
    for (SpoolChunks.Chunk c : chunks) {
      future[c.start() + 4] = 2;
      minor[c.start() + 5] = 99;
    }
    Outcome f = read(future, name + " major 2");
    assertThat(f.refused()).as(name + " major 2").contains("spool version 2.").contains(" cannot be read: this engine reads spool versions 1.0 to ");
    Outcome m = read(minor, name + " minor 99");
    assertThat(m.payload()).as(name + " minor 99").isEqualTo(intact.payload());
    assertThat(m.dropped()).isEmpty();
    for (int i = 1; i < chunks.size(); i++) {
      SpoolChunks.Chunk c = chunks.get(i);
      byte[] one = good.clone();
      one[c.start() + 4] = 2;
      String label = name + " major 2 in chunk " + i;
      Outcome o = read(one, label);
      assertThat(o.dropped()).as(label).singleElement().satisfies(d -> assertThat(d.recordsLost()).isEqualTo(c.records()));
      noSilentLoss(intact, o, label);
    }
    for (int i = 0; i < chunks.size(); i++) {
      SpoolChunks.Chunk c = chunks.get(i);
      for (int size : new int[] {-1, 0x7FFF_FFF0, c.end() - c.start() + 1, 0}) {
        byte[] b = good.clone();
        SpoolChunks.putInt(b, c.start() + 8, size);
        String label = name + " payload size " + Integer.toUnsignedString(size) + " in chunk " + i;
        Outcome o = read(b, label);
        noSilentLoss(intact, o, label);
        if (i < chunks.size() - 1 || good.length > c.end()) {
          // a chunk header follows: damage, not a torn tail
          assertThat(o.incomplete()).as(label).isEqualTo(intact.incomplete());
          assertThat(o.dropped()).as(label).isNotEmpty();
          assertThat(o.dropped().getFirst().from()).as(label).isEqualTo(c.start());
        }
      }
    }
  }

  /** 100 KB strings in the metadata record and a 100 KB record of a type this engine does not know. */
  private void hugeStrings(String name, byte[] good, List<SpoolChunks.Chunk> chunks, Outcome intact)
      throws IOException {
    SpoolChunks.Chunk c0 = chunks.getFirst();
    int metaLen = SpoolChunks.getInt(good, c0.start() + 32);
    ObjectNode meta = (ObjectNode) new ObjectMapper().readTree(
        new String(good, c0.start() + 38, metaLen, StandardCharsets.UTF_8));
    String big = "r".repeat(100_000);
    meta.put("role", big);
    meta.put("host", "h".repeat(100_000));
    byte[] json = new ObjectMapper().writeValueAsBytes(meta);
    byte[] unknown = new byte[6 + 100_000];
    SpoolChunks.putInt(unknown, 0, 100_000);
    unknown[4] = (byte) 0xF0; // type 0xBEF0: not declared
    unknown[5] = (byte) 0xBE;
    byte[] head = Arrays.copyOfRange(good, c0.start(), c0.start() + 32);
    byte[] rec = new byte[6 + json.length];
    SpoolChunks.putInt(rec, 0, json.length);
    System.arraycopy(json, 0, rec, 6, json.length);
    byte[] rest = Arrays.copyOfRange(good, c0.start() + 38 + metaLen, c0.end());
    byte[] chunk0 = SpoolChunks.concat(List.of(head, rec, unknown, rest));
    SpoolChunks.putInt(chunk0, 8, chunk0.length - 32);
    SpoolChunks.putInt(chunk0, 20, (int) c0.records() + 1);
    SpoolChunks.fixCrc(chunk0, new SpoolChunks.Chunk(0, chunk0.length, 0, 0));
    byte[] file = SpoolChunks.concat(List.of(chunk0, Arrays.copyOfRange(good, c0.end(), good.length)));
    String label = name + " 100 KB metadata strings and a 100 KB unknown record";
    Outcome o = read(file, label);
    assertThat(o.role()).as(label).isEqualTo(big);
    assertThat(o.payload()).as(label).isEqualTo(intact.payload() + 1);
    assertThat(o.unknown()).as(label).isEqualTo(intact.unknown() + 1);
    assertThat(o.dropped()).as(label).isEmpty();
  }

  /** Offsets of the records of an intact chunk. */
  private static List<Integer> recordOffsets(byte[] b, SpoolChunks.Chunk c) {
    List<Integer> out = new ArrayList<>();
    int at = c.start() + 32;
    while (at + 6 <= c.end()) {
      out.add(at);
      at += 6 + SpoolChunks.getInt(b, at);
    }
    return out;
  }

  /** Offset of the u16 length of the record's first string field, or -1 (no string, or not a simple type). */
  private static int firstStringAt(byte[] b, int record) {
    int typeId = (b[record + 4] & 0xFF) | (b[record + 5] & 0xFF) << 8;
    RecordType t = typeId == 0 ? null : SCHEMA.byId(typeId);
    if (t == null || !t.types().contains(FieldType.STR)) {
      return -1;
    }
    int p = record + 6;
    for (FieldType f : t.types()) {
      if (f == FieldType.STR) {
        continue;
      }
      if (f != FieldType.I64 && f != FieldType.I32 && f != FieldType.U8 && f != FieldType.F64) {
        return -1; // a field type this fuzzer does not lay out
      }
      p += f.size;
    }
    int len = SpoolChunks.getInt(b, record);
    return p + 2 <= record + 6 + len ? p : -1;
  }
}
