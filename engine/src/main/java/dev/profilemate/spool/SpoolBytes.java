package dev.profilemate.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A spool file's bytes through a window read into the heap: a small first read (a session opens
 * every segment at once, and reads only its first chunk then), 1 MiB windows after that while the
 * file is read front to back, a larger one only for a chunk that needs it.
 *
 * <p>Not a memory mapping: pages of a mapped file count in the process's resident memory until
 * the mapping goes, and a mapping goes only when the garbage collector gets to its buffer, so a
 * 50M-record export held every spool byte it had read (13.5 GB RSS, issue 23). A read window
 * costs one copy and holds at most its own size; {@link #release()} drops it once the file is done.
 */
final class SpoolBytes implements AutoCloseable {
  static final int FIRST_READ = 64 << 10;
  static final int READ_AHEAD = 1 << 20;

  private final FileChannel channel;
  private final long size;
  private byte[] array;
  private ByteBuffer window;
  private long windowStart;
  private long windowLength;
  private boolean readBefore;

  SpoolBytes(Path file) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    this.size = channel.size();
  }

  long size() {
    return size;
  }

  /**
   * The window holding {@code [from, from + length)}; find {@code from} in it with {@link #at}. A
   * later call may refill the same buffer: use the one returned only up to the next call.
   */
  ByteBuffer map(long from, long length) throws IOException {
    if (window == null || from < windowStart || from + length > windowStart + windowLength) {
      int len = (int) Math.min(Math.max(readBefore ? READ_AHEAD : FIRST_READ, length), size - from);
      readBefore = true;
      if (array == null || array.length < len) {
        array = new byte[Math.max(len, array == null ? 0 : array.length)];
        window = ByteBuffer.wrap(array).order(ByteOrder.LITTLE_ENDIAN);
      }
      ByteBuffer into = ByteBuffer.wrap(array, 0, len);
      while (into.hasRemaining()) {
        if (channel.read(into, from + into.position()) < 0) {
          // the file is shorter than when it was opened (a writer cut its torn tail back): what is
          // gone reads as zeros, which no chunk header matches, so it is a torn tail or damage
          Arrays.fill(array, into.position(), len, (byte) 0);
          break;
        }
      }
      windowStart = from;
      windowLength = len;
    }
    return window;
  }

  int at(long offset) {
    return (int) (offset - windowStart);
  }

  long windowStart() {
    return windowStart;
  }

  /** Bytes of buffer this file holds now (tests: a finished file holds none). */
  int heldBytes() {
    return array == null ? 0 : array.length;
  }

  /** Drops the window's buffer (the file was read to its end); a later read reads afresh. */
  void release() {
    array = null;
    window = null;
    windowLength = 0;
  }

  @Override
  public void close() throws IOException {
    release();
    channel.close();
  }
}
