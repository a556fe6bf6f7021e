package dev.profilemate.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * Judges chunk headers and finds the next chunk worth trusting after damage. Only the payload is
 * covered by the CRC, so a chunk is trusted when its header is plausible (magic, major version,
 * state, payload inside the file) and its payload matches the CRC.
 */
final class ChunkScanner {
  /** A payload must fit one mapping window's int positions. */
  private static final long MAX_PAYLOAD = Integer.MAX_VALUE - ChunkHeader.SIZE;

  private final SpoolBytes bytes;

  ChunkScanner(SpoolBytes bytes) {
    this.bytes = bytes;
  }

  /** The header at {@code at}, or null when fewer than 32 bytes are left or the magic is wrong. */
  ChunkHeader header(long at) throws IOException {
    if (bytes.size() - at < ChunkHeader.SIZE) {
      return null;
    }
    ByteBuffer b = bytes.map(at, ChunkHeader.SIZE);
    int p = bytes.at(at);
    return b.getInt(p) == ChunkHeader.MAGIC ? ChunkHeader.read(b, p) : null;
  }

  static long end(long at, ChunkHeader h) {
    return at + ChunkHeader.SIZE + h.payloadSize();
  }

  boolean fits(long at, ChunkHeader h) {
    return h.payloadSize() <= MAX_PAYLOAD && end(at, h) <= bytes.size();
  }

  boolean crcMatches(long at, ChunkHeader h) throws IOException {
    ByteBuffer b = bytes.map(at, ChunkHeader.SIZE + h.payloadSize());
    int payload = bytes.at(at) + ChunkHeader.SIZE;
    CRC32 crc = new CRC32();
    crc.update(b.duplicate().position(payload).limit(payload + (int) h.payloadSize()));
    return crc.getValue() == h.crc32();
  }

  /** A committed chunk of this engine's major version whose payload matches its CRC. */
  boolean verified(long at) throws IOException {
    ChunkHeader h = header(at);
    return h != null && h.major() == ChunkHeader.MAJOR && h.state() == ChunkHeader.STATE_COMPLETE
        && fits(at, h) && crcMatches(at, h);
  }

  /** The start of a chunk cut short by the end of the file (a crash, or a writer at work). */
  boolean tornTail(long at) throws IOException {
    ChunkHeader h = header(at);
    if (h == null || h.major() != ChunkHeader.MAJOR) {
      return false;
    }
    long end = end(at, h);
    boolean known = h.state() == ChunkHeader.STATE_COMPLETE || h.state() == ChunkHeader.STATE_WRITING;
    return known && end > bytes.size() || h.state() == ChunkHeader.STATE_WRITING && end == bytes.size();
  }

  /** The first verified chunk at or after {@code from}, or -1. */
  long nextVerified(long from) throws IOException {
    long last = bytes.size() - ChunkHeader.SIZE;
    for (long p = from; p <= last; p++) {
      ByteBuffer b = bytes.map(p, ChunkHeader.SIZE);
      if (b.getInt(bytes.at(p)) == ChunkHeader.MAGIC && verified(p)) {
        return p;
      }
    }
    return -1;
  }

  /** The first torn-tail candidate at or after {@code from}, or -1 (asked only when no verified chunk follows). */
  long nextTornTail(long from) throws IOException {
    long last = bytes.size() - ChunkHeader.SIZE;
    for (long p = from; p <= last; p++) {
      ByteBuffer b = bytes.map(p, ChunkHeader.SIZE);
      if (b.getInt(bytes.at(p)) == ChunkHeader.MAGIC && tornTail(p)) {
        return p;
      }
    }
    return -1;
  }

  /**
   * The header's record count, when it can be trusted: walking the payload's size-prefixed
   * records must end exactly at the payload's end after that many records. Else UNKNOWN.
   */
  long trustedRecordCount(long at, ChunkHeader h) throws IOException {
    if (!fits(at, h)) {
      return DroppedRange.UNKNOWN;
    }
    ByteBuffer b = bytes.map(at, ChunkHeader.SIZE + h.payloadSize());
    long pos = bytes.at(at) + ChunkHeader.SIZE;
    long end = pos + h.payloadSize();
    long n = 0;
    while (pos < end) {
      if (end - pos < 6 || n >= h.recordCount()) {
        return DroppedRange.UNKNOWN;
      }
      pos += 6 + Integer.toUnsignedLong(b.getInt((int) pos));
      n++;
    }
    return pos == end && n == h.recordCount() ? n : DroppedRange.UNKNOWN;
  }
}
