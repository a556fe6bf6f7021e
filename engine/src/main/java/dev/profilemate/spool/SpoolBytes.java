package dev.profilemate.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A spool file's bytes through a sliding read-only mapping (1 GiB windows): files larger than
 * one buffer can address are read window by window, remapped only when a read leaves the window.
 */
final class SpoolBytes implements AutoCloseable {
  private static final long WINDOW = 1L << 30;

  private final FileChannel channel;
  private final long size;
  private MappedByteBuffer window;
  private long windowStart;

  SpoolBytes(Path file) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.READ);
    this.size = channel.size();
  }

  long size() {
    return size;
  }

  /** The window holding {@code [from, from + length)}; find {@code from} in it with {@link #at}. */
  ByteBuffer map(long from, long length) throws IOException {
    if (window == null || from < windowStart || from + length > windowStart + window.capacity()) {
      long len = Math.min(Math.max(WINDOW, length), size - from);
      window = channel.map(FileChannel.MapMode.READ_ONLY, from, len);
      window.order(ByteOrder.LITTLE_ENDIAN);
      windowStart = from;
    }
    return window;
  }

  int at(long offset) {
    return (int) (offset - windowStart);
  }

  long windowStart() {
    return windowStart;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
