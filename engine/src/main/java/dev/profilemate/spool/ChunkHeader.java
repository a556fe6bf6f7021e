package dev.profilemate.spool;

import java.nio.ByteBuffer;

/** The fixed 32-byte header in front of every chunk (spool-format/SPEC.md). */
record ChunkHeader(
    int major,
    int minor,
    int state,
    int flags,
    long payloadSize,
    long crc32,
    long sequence,
    long recordCount,
    long firstTNs) {

  static final int SIZE = 32;
  static final int MAGIC = 0x50534d50; // "PMSP" read little-endian
  static final int MAJOR = dev.profilemate.common.Versions.SPOOL_MAJOR; // versions.properties
  static final int STATE_WRITING = 0xFF;
  static final int STATE_COMPLETE = 0x01;
  static final int FLAG_FINAL = 0x01;

  /** Reads a header at the buffer's position; the caller checks the magic first. */
  static ChunkHeader read(ByteBuffer b, int at) {
    return new ChunkHeader(
        b.get(at + 4) & 0xFF,
        b.get(at + 5) & 0xFF,
        b.get(at + 6) & 0xFF,
        b.get(at + 7) & 0xFF,
        Integer.toUnsignedLong(b.getInt(at + 8)),
        Integer.toUnsignedLong(b.getInt(at + 12)),
        Integer.toUnsignedLong(b.getInt(at + 16)),
        Integer.toUnsignedLong(b.getInt(at + 20)),
        b.getLong(at + 24));
  }

  boolean isFinal() {
    return (flags & FLAG_FINAL) != 0;
  }
}
