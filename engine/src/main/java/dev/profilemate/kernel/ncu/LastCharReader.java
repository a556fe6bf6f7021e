package dev.profilemate.kernel.ncu;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * Remembers the last character read. ncu ends every CSV line, so input that ends inside a line
 * was cut off (a copy stopped early, a crashed ncu): its last row would otherwise read as a
 * shorter, plausible one.
 */
final class LastCharReader extends FilterReader {
  private int last = -1;

  LastCharReader(Reader in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int c = super.read();
    if (c >= 0) {
      last = c;
    }
    return c;
  }

  @Override
  public int read(char[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    if (n > 0) {
      last = buf[off + n - 1];
    }
    return n;
  }

  /** True when the input read so far ends with a line end (or is empty). */
  boolean endsWithLineEnd() {
    return last < 0 || last == '\n' || last == '\r';
  }
}
