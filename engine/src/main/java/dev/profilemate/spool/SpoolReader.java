package dev.profilemate.spool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.common.Versions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Pulls records out of one spool file, chunk by chunk, through a memory mapping.
 *
 * <p>A torn tail (the process died, or is still writing) ends the iteration with {@link
 * #incomplete()} true and every complete record kept. Damage costs only the damaged part: a
 * corrupt chunk is skipped (by its payload size when its header is plausible, else up to the
 * next chunk that verifies), a malformed record costs the rest of its chunk, and each skipped
 * range is listed in {@link #dropped()}. Only a newer major version refuses the whole file (a
 * {@link SpoolFormatException} from {@link #open}); in strict mode the first drop throws too.
 */
public final class SpoolReader implements Iterator<SpoolRecord>, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final RecordSchema schema;
  private final int process;
  private final SpoolBytes bytes;
  private final ChunkScanner scanner;
  private final DamageLog damage;
  private final long size;

  /** The window decode() reads, and the file offset of its first byte. */
  private ByteBuffer window;
  private long windowStart;
  private long chunkEnd;
  private long nextChunk;
  private int recordPos = -1;
  private int payloadEnd;
  private long chunkRecords;
  private long chunkTaken;
  private SpoolRecord next;
  private JsonNode metadata;
  private boolean incomplete;
  private boolean sawFinal;
  private boolean ended;
  private long records;
  private long unknownSkipped;
  private long payloadRecords;
  private long chunks;
  /** Offset of the chunk being read, and the sequence number of the last good chunk. */
  private long chunkStart;
  private long lastSequence = -1;
  /** Resumed at a position: its chunk numbers must go on one by one (see {@link #irregular()}). */
  private boolean resumed;
  private boolean irregular;

  private SpoolReader(Path file, RecordSchema schema, int process, boolean strict) throws IOException {
    this.file = file;
    this.schema = schema;
    this.process = process;
    this.bytes = new SpoolBytes(file);
    this.scanner = new ChunkScanner(bytes);
    this.damage = new DamageLog(file, strict);
    this.size = bytes.size();
  }

  /**
   * Where a later reader resumes (the collector's refresh): the record after the last one this
   * reader returned. chunk is a chunk's offset; taken its records already read (0: none).
   */
  public record Position(long chunk, long taken, long lastSequence, boolean sawFinal) implements java.io.Serializable {
    public static final Position START = new Position(0, 0, -1, false);
  }

  /** The position after the last record returned; only between next() and the following hasNext(). */
  public Position position() {
    if (next != null) {
      throw new IllegalStateException("a record was read ahead");
    }
    boolean inChunk = recordPos >= 0 && recordPos < payloadEnd;
    return inChunk ? new Position(chunkStart, chunkTaken, lastSequence, sawFinal)
        : new Position(nextChunk, 0, lastSequence, sawFinal);
  }

  /**
   * A reader that goes on from a position an earlier reader of the same file gave, without reading
   * what lies before it. It reads only an undamaged continuation: a damaged or out-of-order chunk
   * ends it with {@link #irregular()} true (the caller then reads the whole file again, which
   * accounts for damage as {@link #open} does).
   */
  public static SpoolReader resume(Path file, RecordSchema schema, int process, JsonNode metadata, Position at)
      throws IOException {
    SpoolReader r = new SpoolReader(file, schema, process, false);
    try {
      r.metadata = metadata;
      r.resumed = true;
      r.lastSequence = at.lastSequence();
      r.sawFinal = at.sawFinal();
      r.damage.resumeAfter(at.lastSequence());
      r.nextChunk = at.chunk();
      if (at.taken() > 0) {
        r.reopen(at);
      }
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  /** Maps the chunk a position is inside and skips its records already read. */
  private void reopen(Position at) throws IOException {
    ChunkHeader h = scanner.header(at.chunk());
    if (h == null || h.state() != ChunkHeader.STATE_COMPLETE || !scanner.fits(at.chunk(), h)
        || h.sequence() != at.lastSequence() || at.taken() > h.recordCount()) {
      irregular = true;
      nextChunk = size;
      return;
    }
    window = bytes.map(at.chunk(), ChunkHeader.SIZE + h.payloadSize());
    windowStart = bytes.windowStart();
    chunkStart = at.chunk();
    chunkEnd = ChunkScanner.end(at.chunk(), h);
    nextChunk = chunkEnd;
    recordPos = bytes.at(at.chunk()) + ChunkHeader.SIZE;
    payloadEnd = recordPos + (int) h.payloadSize();
    chunkRecords = h.recordCount();
    for (long i = 0; i < at.taken() && recordPos + 6 <= payloadEnd; i++) {
      recordPos += 6 + (int) Integer.toUnsignedLong(window.getInt(recordPos));
    }
    chunkTaken = at.taken();
  }

  /** True when a resumed reader met damage or a chunk out of order, and stopped there. */
  public boolean irregular() {
    return irregular || resumed && !damage.dropped().isEmpty();
  }

  /** Opens a reader and reads up to the metadata record, which every spool starts with. */
  public static SpoolReader open(Path file, RecordSchema schema, int process) throws IOException {
    return open(file, schema, process, false);
  }

  /**
   * Opens a reader and reads up to the first record. {@link #metadata()} is null when the file
   * is empty, torn before its first chunk, or its metadata chunk is lost. Throws only for a newer
   * major version, for a file that cannot be read, or (strict) for damage in the first chunk.
   */
  public static SpoolReader open(Path file, RecordSchema schema, int process, boolean strict) throws IOException {
    SpoolReader r = new SpoolReader(file, schema, process, strict);
    try {
      r.refuseNewerMajor();
      r.advance();
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  /**
   * Chunks of a newer major version may be laid out differently: nothing in them can be trusted.
   * A minor older than the oldest this engine reads is refused the same way; a newer minor is read
   * (minors only append, SPEC.md). Major versions below ours were never written: damage, not refused.
   */
  private void refuseNewerMajor() throws IOException {
    ChunkHeader h = scanner.header(0);
    if (h != null && (h.major() > ChunkHeader.MAJOR
        || h.major() == ChunkHeader.MAJOR && h.minor() < Versions.SPOOL_OLDEST_MINOR)) {
      throw new SpoolFormatException(file, 4, unsupported(h.major(), h.minor()));
    }
  }

  /** One phrase naming the version found and the versions this engine reads. */
  static String unsupported(int major, int minor) {
    return "spool version " + major + "." + minor + " cannot be read: this engine reads spool versions "
        + Versions.spoolRange();
  }

  public JsonNode metadata() {
    return metadata;
  }

  /** True when the file ended inside a chunk (crash, or a writer still at work). */
  public boolean incomplete() {
    return incomplete;
  }

  /** True when the writer closed the spool cleanly (its last chunk carries the final flag). */
  public boolean closedCleanly() {
    return sawFinal;
  }

  public long recordsRead() {
    return records;
  }

  public long unknownRecordsSkipped() {
    return unknownSkipped;
  }

  /** Every record taken from good chunks: metadata, known and unknown types (the header's unit). */
  public long payloadRecordsRead() {
    return payloadRecords;
  }

  public long chunksRead() {
    return chunks;
  }

  /** The ranges skipped as damaged so far; complete once the iteration has ended. */
  public List<DroppedRange> dropped() {
    return damage.dropped();
  }

  /** Bytes of complete chunks; a live reader resumes here. */
  public long completeBytes() {
    return nextChunk;
  }

  public Path file() {
    return file;
  }

  /** Bytes of read window this reader holds now (tests: none once it has read its file to the end). */
  int heldBytes() {
    return bytes.heldBytes();
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      try {
        advance();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return next != null;
  }

  @Override
  public SpoolRecord next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    SpoolRecord r = next;
    next = null;
    return r;
  }

  private void advance() throws IOException {
    while (next == null) {
      if (recordPos >= 0 && recordPos < payloadEnd) {
        long at = windowStart + recordPos;
        try {
          decodeRecord();
        } catch (SpoolFormatException e) {
          dropRestOfChunk(at, e.problem());
        } catch (JsonProcessingException e) {
          dropRestOfChunk(at, "metadata record is not JSON");
        }
        continue;
      }
      recordPos = -1;
      if (!openNextChunk()) {
        window = null;
        bytes.release(); // read to its end: a session of many segments holds no window per finished one
        if (!ended && !resumed) { // a resumed reader's file goes on: its end is not the file's end
          ended = true;
          damage.end(size);
        }
        return;
      }
    }
  }

  /** A malformed record in a chunk whose CRC matched: the writer's count says what is lost. */
  private void dropRestOfChunk(long at, String cause) throws IOException {
    long left = chunkRecords - chunkTaken;
    damage.drop(at, chunkEnd, cause, left >= 0 ? left : DroppedRange.UNKNOWN);
    recordPos = -1;
  }

  /** Finds the next chunk to read, skipping damage; false at the end of the file or a torn tail. */
  private boolean openNextChunk() throws IOException {
    while (true) {
      long at = nextChunk;
      long left = size - at;
      if (left == 0) {
        return false;
      }
      if (left < ChunkHeader.SIZE) {
        incomplete = true;
        return false;
      }
      ChunkHeader h = scanner.header(at);
      if (h == null) {
        resync(at, "bad chunk magic");
        continue;
      }
      if (h.major() != ChunkHeader.MAJOR) {
        skip(at, h, "chunk header damaged: major version " + h.major() + " in a version " + ChunkHeader.MAJOR + " spool");
        continue;
      }
      long end = ChunkScanner.end(at, h);
      if (!scanner.fits(at, h)) {
        long good = scanner.nextVerified(at + 1);
        if (good < 0) {
          good = scanner.nextTornTail(at + 1); // a chunk header after it: this one is damage
        }
        if (good < 0) {
          incomplete = true; // a torn tail: the usual end of a crashed (or live) writer's file
          return false;
        }
        damage.drop(at, good, "chunk payload size " + h.payloadSize() + " runs past the end of the file",
            DroppedRange.UNKNOWN);
        nextChunk = good;
        continue;
      }
      if (h.state() == ChunkHeader.STATE_WRITING && end == size) {
        incomplete = true;
        return false;
      }
      String bad = h.state() == ChunkHeader.STATE_WRITING ? "uncommitted chunk followed by more data"
          : h.state() != ChunkHeader.STATE_COMPLETE ? "unknown chunk state " + h.state()
          : !scanner.crcMatches(at, h) ? "chunk checksum mismatch" : null;
      if (bad != null) {
        skip(at, h, bad);
        continue;
      }
      if (resumed && h.sequence() != lastSequence + 1) {
        irregular = true; // a copy or a renumbered chunk: only a whole read tells which
        return false;
      }
      nextChunk = end;
      if (damage.isCopy(h)) {
        damage.drop(at, end, "a second copy of chunk " + h.sequence() + ", read once", 0);
        continue;
      }
      if (metadata == null && firstRecordType(at, h) != 0) {
        // the metadata record (pid, clock anchor) opens chunk 0: without it the records cannot
        // be placed on the session's timeline, so the rest of the file is counted, not read
        damage.good(h);
        damage.drop(at, end, "no metadata record before it: the spool's first chunk is lost",
            scanner.trustedRecordCount(at, h));
        continue;
      }
      damage.good(h);
      lastSequence = h.sequence();
      chunkStart = at;
      window = bytes.map(at, ChunkHeader.SIZE + h.payloadSize());
      windowStart = bytes.windowStart();
      chunkEnd = end;
      recordPos = bytes.at(at) + ChunkHeader.SIZE;
      payloadEnd = recordPos + (int) h.payloadSize();
      chunkRecords = h.recordCount();
      chunkTaken = 0;
      chunks++;
      sawFinal = h.isFinal();
      return true;
    }
  }

  /** A damaged chunk with a plausible header: skip by its size when a chunk (or the end) follows there. */
  private void skip(long at, ChunkHeader h, String cause) throws IOException {
    if (scanner.fits(at, h)) {
      long end = ChunkScanner.end(at, h);
      if (end == size || scanner.verified(end) || scanner.tornTail(end)) {
        damage.drop(at, end, cause, scanner.trustedRecordCount(at, h));
        nextChunk = end;
        return;
      }
    }
    resync(at, cause);
  }

  /** The header cannot be trusted: drop up to the next chunk that verifies (or a torn tail, or the end). */
  private void resync(long at, String cause) throws IOException {
    long to = scanner.nextVerified(at + 1);
    if (to < 0) {
      long torn = scanner.nextTornTail(at + 1);
      to = torn < 0 ? size : torn;
    }
    damage.drop(at, to, cause, DroppedRange.UNKNOWN);
    nextChunk = to;
  }

  private int firstRecordType(long at, ChunkHeader h) throws IOException {
    if (h.payloadSize() < 6) {
      return -1;
    }
    ByteBuffer b = bytes.map(at, ChunkHeader.SIZE + h.payloadSize());
    return b.getShort(bytes.at(at) + ChunkHeader.SIZE + 4) & 0xFFFF;
  }

  private void decodeRecord() throws IOException {
    ByteBuffer b = window;
    if (payloadEnd - recordPos < 6) {
      throw new SpoolFormatException(file, windowStart + recordPos, "record header runs past its chunk");
    }
    long len = Integer.toUnsignedLong(b.getInt(recordPos));
    int typeId = b.getShort(recordPos + 4) & 0xFFFF;
    int body = recordPos + 6;
    if (len > payloadEnd - body) {
      throw new SpoolFormatException(
          file, windowStart + recordPos, "record of " + len + " bytes runs past its chunk");
    }
    int bodyEnd = body + (int) len;
    recordPos = bodyEnd;
    if (typeId == 0) {
      byte[] json = new byte[(int) len];
      b.get(body, json);
      metadata = JSON.readTree(new String(json, StandardCharsets.UTF_8));
      taken();
      return;
    }
    RecordType type = schema.byId(typeId);
    if (type == null) {
      unknownSkipped++;
      taken();
      return;
    }
    next = decode(type, b, body, bodyEnd);
    records++;
    taken();
  }

  private void taken() {
    chunkTaken++;
    payloadRecords++;
  }

  private SpoolRecord decode(RecordType type, ByteBuffer b, int at, int end) throws IOException {
    FieldType[] types = type.typeArray();
    long[] fixed = new long[types.length];
    int p = at;
    boolean anyVariable = false;
    for (int i = 0; i < types.length; i++) {
      FieldType t = types[i];
      if (t.variable()) {
        anyVariable = true;
        continue;
      }
      if (p + t.size > end) {
        p = end; // an older writer's shorter record: 0 (0.0 for an f64, whose bits are 0 too)
        continue;
      }
      fixed[i] =
          switch (t) {
            case I64, F64 -> b.getLong(p);
            case I32 -> b.getInt(p);
            case U8 -> b.get(p) & 0xFF;
            case STR, TEXT, I32S, I64S -> throw new AssertionError();
          };
      p += t.size;
    }
    Object[] values = anyVariable ? new Object[types.length] : null;
    for (int i = 0; anyVariable && i < types.length; i++) {
      FieldType t = types[i];
      if (!t.variable()) {
        continue;
      }
      values[i] = emptyValue(t);
      int lengthBytes = t == FieldType.STR ? 2 : 4;
      if (p + lengthBytes > end) {
        continue; // an older writer's shorter record
      }
      long n = t == FieldType.STR ? b.getShort(p) & 0xFFFF : Integer.toUnsignedLong(b.getInt(p));
      long bytes = t.size > 0 ? n * t.size : n;
      if (bytes > end - p - lengthBytes) {
        throw new SpoolFormatException(
            file, windowStart + p, "field " + type.fields().get(i) + " of " + bytes + " bytes runs past its record");
      }
      int from = p + lengthBytes;
      values[i] =
          switch (t) {
            case STR, TEXT -> b.hasArray() ? new String(b.array(), b.arrayOffset() + from, (int) n, StandardCharsets.UTF_8)
                : string(b, from, (int) n);
            case I32S -> {
              int[] a = new int[(int) n];
              b.slice(from, (int) bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(a);
              yield a;
            }
            case I64S -> {
              long[] a = new long[(int) n];
              b.slice(from, (int) bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(a);
              yield a;
            }
            default -> throw new AssertionError();
          };
      p = from + (int) bytes;
    }
    FieldType first = types.length > 0 ? types[0] : null;
    long t = first == FieldType.I64 || first == FieldType.I32 || first == FieldType.U8 ? fixed[0] : 0L;
    return new SpoolRecord(type, process, t, fixed, values);
  }

  private static String string(ByteBuffer b, int from, int n) {
    byte[] s = new byte[n];
    b.get(from, s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private static Object emptyValue(FieldType t) {
    return switch (t) {
      case I32S -> new int[0];
      case I64S -> new long[0];
      default -> "";
    };
  }

  @Override
  public void close() throws IOException {
    bytes.close();
  }
}
