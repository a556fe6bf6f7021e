package dev.profilemate.spool;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Test-side view of an intact spool's chunk layout, read straight from the bytes (not through
 * the reader under test), and the byte surgery the salvage tests and the fuzzer need.
 */
public final class SpoolChunks {
  /** One chunk of an intact file: where it starts and ends, its sequence and record count. */
  public record Chunk(int start, int end, long sequence, long records) {
    public byte[] bytes(byte[] file) {
      return Arrays.copyOfRange(file, start, end);
    }
  }

  private SpoolChunks() {}

  public static List<Chunk> of(byte[] file) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    List<Chunk> out = new ArrayList<>();
    int at = 0;
    while (at + 32 <= file.length) {
      int end = at + 32 + b.getInt(at + 8);
      if (end > file.length) {
        break;
      }
      out.add(new Chunk(at, end, Integer.toUnsignedLong(b.getInt(at + 16)), Integer.toUnsignedLong(b.getInt(at + 20))));
      at = end;
    }
    return out;
  }

  public static long totalRecords(byte[] file) {
    return of(file).stream().mapToLong(Chunk::records).sum();
  }

  public static byte[] concat(List<byte[]> parts) {
    int n = parts.stream().mapToInt(p -> p.length).sum();
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** The file without the given chunks: what the undamaged chunks alone hold. */
  public static byte[] without(byte[] file, List<Chunk> chunks, java.util.Set<Integer> drop) {
    List<byte[]> parts = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      if (!drop.contains(i)) {
        parts.add(chunks.get(i).bytes(file));
      }
    }
    return concat(parts);
  }

  public static void putInt(byte[] file, int at, int v) {
    ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
  }

  public static int getInt(byte[] file, int at) {
    return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
  }

  /** Rewrites a chunk's CRC after its payload was changed on purpose (a writer bug, not disk damage). */
  public static void fixCrc(byte[] file, Chunk c) {
    CRC32 crc = new CRC32();
    crc.update(file, c.start() + 32, c.end() - c.start() - 32);
    putInt(file, c.start() + 12, (int) crc.getValue());
  }
}
