package dev.profilemate.spool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32;

/**
 * Pulls records out of one spool file, chunk by chunk, through a memory mapping.
 *
 * <p>A torn tail (the process died, or is still writing) ends the iteration with {@link
 * #incomplete()} true and every complete record kept. Real corruption throws a {@link
 * SpoolFormatException} naming the file and offset.
 */
public final class SpoolReader implements Iterator<SpoolRecord>, AutoCloseable {
  private static final long WINDOW = 1L << 30;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final RecordSchema schema;
  private final int process;
  private final FileChannel channel;
  private final long size;

  private MappedByteBuffer window;
  private long windowStart;
  private long chunkStart;
  private long nextChunk;
  private int recordPos = -1;
  private int payloadEnd;
  private SpoolRecord next;
  private JsonNode metadata;
  private boolean incomplete;
  private boolean sawFinal;
  private long records;
  private long unknownSkipped;
  private long chunks;

  private SpoolReader(Path file, RecordSchema schema, int process, long from) throws IOException {
    this.file = file;
    this.schema = schema;
    this.process = process;
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    this.size = channel.size();
    this.nextChunk = from;
  }

  /** Opens a reader and reads up to the metadata record, which every spool starts with. */
  public static SpoolReader open(Path file, RecordSchema schema, int process) throws IOException {
    SpoolReader r = new SpoolReader(file, schema, process, 0);
    try {
      r.advance();
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    if (r.metadata == null && !r.incomplete) {
      r.close();
      throw new SpoolFormatException(file, 0, "spool does not start with a metadata record");
    }
    return r;
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

  public long chunksRead() {
    return chunks;
  }

  /** Bytes of complete chunks; a live reader resumes here. */
  public long completeBytes() {
    return nextChunk;
  }

  public Path file() {
    return file;
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
        decodeRecord();
        continue;
      }
      recordPos = -1;
      if (!openNextChunk()) {
        return;
      }
    }
  }

  private boolean openNextChunk() throws IOException {
    long left = size - nextChunk;
    if (left == 0) {
      return false;
    }
    if (left < ChunkHeader.SIZE) {
      incomplete = true;
      return false;
    }
    ByteBuffer b = map(nextChunk, ChunkHeader.SIZE);
    int at = (int) (nextChunk - windowStart);
    if (b.getInt(at) != ChunkHeader.MAGIC) {
      throw new SpoolFormatException(file, nextChunk, "bad chunk magic");
    }
    ChunkHeader h = ChunkHeader.read(b, at);
    if (h.major() > ChunkHeader.MAJOR) {
      throw new SpoolFormatException(
          file, nextChunk, "spool major version " + h.major() + ", this engine reads " + ChunkHeader.MAJOR);
    }
    long end = nextChunk + ChunkHeader.SIZE + h.payloadSize();
    if (end > size) {
      incomplete = true;
      return false;
    }
    if (h.state() == ChunkHeader.STATE_WRITING) {
      if (end == size) {
        incomplete = true;
        return false;
      }
      throw new SpoolFormatException(file, nextChunk, "uncommitted chunk followed by more data");
    }
    if (h.state() != ChunkHeader.STATE_COMPLETE) {
      throw new SpoolFormatException(file, nextChunk + 6, "unknown chunk state " + h.state());
    }
    b = map(nextChunk, ChunkHeader.SIZE + h.payloadSize());
    int payload = (int) (nextChunk - windowStart) + ChunkHeader.SIZE;
    CRC32 crc = new CRC32();
    crc.update(b.duplicate().position(payload).limit(payload + (int) h.payloadSize()));
    if (crc.getValue() != h.crc32()) {
      throw new SpoolFormatException(file, nextChunk, "chunk checksum mismatch");
    }
    chunkStart = nextChunk;
    nextChunk = end;
    recordPos = payload;
    payloadEnd = payload + (int) h.payloadSize();
    chunks++;
    sawFinal = h.isFinal();
    return true;
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
      return;
    }
    RecordType type = schema.byId(typeId);
    if (type == null) {
      unknownSkipped++;
      return;
    }
    next = decode(type, b, body, bodyEnd);
    records++;
  }

  private SpoolRecord decode(RecordType type, ByteBuffer b, int at, int end) throws IOException {
    Object[] values = new Object[type.fields().size()];
    int p = at;
    for (int i = 0; i < values.length; i++) {
      FieldType t = type.types().get(i);
      if (t.variable()) {
        continue;
      }
      if (p + t.size > end) {
        values[i] = t == FieldType.F64 ? (Object) 0.0 : (Object) 0L;
        p = end;
        continue;
      }
      values[i] =
          switch (t) {
            case I64 -> b.getLong(p);
            case I32 -> (long) b.getInt(p);
            case U8 -> (long) (b.get(p) & 0xFF);
            case F64 -> b.getDouble(p);
            case STR, TEXT, I32S, I64S -> throw new AssertionError();
          };
      p += t.size;
    }
    for (int i = 0; i < values.length; i++) {
      FieldType t = type.types().get(i);
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
            case STR, TEXT -> {
              byte[] s = new byte[(int) n];
              b.get(from, s);
              yield new String(s, StandardCharsets.UTF_8);
            }
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
    long t = values.length > 0 && values[0] instanceof Long l ? l : 0L;
    return new SpoolRecord(type, process, t, values);
  }

  private static Object emptyValue(FieldType t) {
    return switch (t) {
      case I32S -> new int[0];
      case I64S -> new long[0];
      default -> "";
    };
  }

  private ByteBuffer map(long from, long length) throws IOException {
    if (window == null || from < windowStart || from + length > windowStart + window.capacity()) {
      long len = Math.min(Math.max(WINDOW, length), size - from);
      window = channel.map(FileChannel.MapMode.READ_ONLY, from, len);
      window.order(ByteOrder.LITTLE_ENDIAN);
      windowStart = from;
    }
    return window;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
