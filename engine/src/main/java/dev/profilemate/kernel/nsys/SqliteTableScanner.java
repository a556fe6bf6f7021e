package dev.profilemate.kernel.nsys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads the rows of one rowid table straight from an SQLite database file, in rowid order, decoding
 * only the integer columns asked for. It walks the table's B-tree page by page (one reusable buffer
 * per tree level), so memory stays constant, and it avoids the JDBC driver's native call per column,
 * which dominates the cost of scanning millions of Nsight Systems rows.
 *
 * <p>Follows the documented file format (sqlite.org/fileformat2.html): B-tree pages of types 0x05
 * (table interior) and 0x0D (table leaf), cell payloads spilling to overflow pages, records of a
 * varint header of serial types and a body. {@link #open} refuses files it cannot read this way
 * (WAL with a non-empty -wal file, unusual page sizes), and callers then use JDBC instead.
 */
final class SqliteTableScanner implements AutoCloseable {
  /** Thrown when the file does not look like what the format says; callers fall back to JDBC. */
  static final class FormatException extends IOException {
    FormatException(String message) {
      super(message);
    }
  }

  /** Page size and usable bytes per page, from the 100-byte file header. */
  record Layout(int pageSize, int usable) {}

  private final FileChannel ch;
  private final Layout layout;
  private final int[] columns;
  private final int maxColumn;
  /** For each record column, the index of the request it answers, or -1. */
  private final int[] slotOf;
  // B-tree walk: one frame per level
  private byte[][] pages = new byte[8][];
  private int[] pageNo = new int[8];
  private int[] next = new int[8];
  private int depth = -1;
  // current row
  private final long[] values;
  private final boolean[] nulls;
  private long rowid;
  private byte[] payload = new byte[256];
  private final ByteBuffer one;

  /** The layout of {@code file}, or null when this scanner should not read it. */
  static Layout layout(Path file) throws IOException {
    byte[] h = new byte[100];
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      if (c.read(ByteBuffer.wrap(h), 0) < 100) {
        return null;
      }
    }
    if (!new String(h, 0, 16, StandardCharsets.US_ASCII).equals("SQLite format 3\0")) {
      return null;
    }
    int ps = ((h[16] & 0xFF) << 8) | (h[17] & 0xFF);
    int pageSize = ps == 1 ? 65536 : ps;
    if (pageSize < 512 || Integer.bitCount(pageSize) != 1) {
      return null;
    }
    if ((h[18] & 0xFF) == 2 || (h[19] & 0xFF) == 2) { // WAL: newer pages may live in the -wal file
      Path wal = file.resolveSibling(file.getFileName() + "-wal");
      if (Files.exists(wal) && Files.size(wal) > 0) {
        return null;
      }
    }
    if ((h[19] & 0xFF) > 2) {
      return null;
    }
    int usable = pageSize - (h[20] & 0xFF);
    return usable < 480 ? null : new Layout(pageSize, usable);
  }

  /**
   * Scans the table whose B-tree starts at {@code rootPage}, decoding the record columns at the
   * given indices (column order of the CREATE TABLE; -1 for a column to read as NULL). Tables with an
   * INTEGER PRIMARY KEY (stored as NULL, its value in the rowid) are not for this reader.
   */
  SqliteTableScanner(Path file, Layout layout, long rootPage, int[] columns) throws IOException {
    this.ch = FileChannel.open(file, StandardOpenOption.READ);
    this.layout = layout;
    this.columns = columns.clone();
    int m = -1;
    for (int c : columns) {
      m = Math.max(m, c); // -1: a column the table does not have, always NULL
    }
    this.maxColumn = m;
    this.slotOf = new int[m + 1];
    java.util.Arrays.fill(slotOf, -1);
    for (int i = columns.length - 1; i >= 0; i--) {
      if (columns[i] >= 0) {
        slotOf[columns[i]] = i; // the first request of a column
      }
    }
    this.values = new long[columns.length];
    this.nulls = new boolean[columns.length];
    this.one = ByteBuffer.allocate(layout.pageSize());
    push((int) rootPage);
  }

  private void push(int page) throws IOException {
    depth++;
    if (depth == pages.length) {
      if (depth > 64) {
        throw new FormatException("B-tree deeper than 64 levels");
      }
      pages = Arrays.copyOf(pages, depth * 2);
      pageNo = Arrays.copyOf(pageNo, depth * 2);
      next = Arrays.copyOf(next, depth * 2);
    }
    if (pages[depth] == null) {
      pages[depth] = new byte[layout.pageSize()];
    }
    read(page, pages[depth]);
    pageNo[depth] = page;
    next[depth] = 0;
    int type = pages[depth][hdr(page)] & 0xFF;
    if (type != 0x0D && type != 0x05) {
      throw new FormatException("page " + page + " is not a table B-tree page (type " + type + ")");
    }
  }

  private void read(int page, byte[] into) throws IOException {
    if (page < 1) {
      throw new FormatException("bad page number " + page);
    }
    ByteBuffer b = ByteBuffer.wrap(into);
    long pos = (long) (page - 1) * layout.pageSize();
    while (b.hasRemaining()) {
      int n = ch.read(b, pos + b.position());
      if (n < 0) {
        throw new FormatException("page " + page + " is past the end of the file");
      }
    }
  }

  private static int hdr(int page) {
    return page == 1 ? 100 : 0;
  }

  /** Advances to the next row; false at the end of the table. */
  boolean next() throws IOException {
    while (depth >= 0) {
      byte[] p = pages[depth];
      int h = hdr(pageNo[depth]);
      int type = p[h] & 0xFF;
      int cells = u16(p, h + 3);
      if (type == 0x05) {
        int i = next[depth]++;
        if (i < cells) {
          push(u32(p, u16(p, h + 12 + 2 * i)));
        } else if (i == cells) {
          push(u32(p, h + 8));
        } else {
          depth--;
        }
      } else {
        int i = next[depth]++;
        if (i < cells) {
          decodeCell(p, u16(p, h + 8 + 2 * i));
          return true;
        }
        depth--;
      }
    }
    return false;
  }

  long rowid() {
    return rowid;
  }

  /** The i-th requested column as a long (0 when NULL; REAL values truncated). */
  long getLong(int i) {
    return values[i];
  }

  boolean isNull(int i) {
    return nulls[i];
  }

  private final long[] tmp = new long[1];

  private void decodeCell(byte[] p, int off) throws IOException {
    long[] v = tmp;
    off = varint(p, off, v);
    long size = v[0];
    off = varint(p, off, v);
    rowid = v[0];
    int u = layout.usable();
    int x = u - 35;
    byte[] rec;
    int base;
    if (size <= x) {
      rec = p;
      base = off;
    } else {
      if (size > Integer.MAX_VALUE - 16) {
        throw new FormatException("record too large");
      }
      int m = ((u - 12) * 32 / 255) - 23;
      int k = (int) (m + ((size - m) % (u - 4)));
      int local = k <= x ? k : m;
      if (payload.length < size) {
        payload = new byte[(int) Math.max(size, payload.length * 2L)];
      }
      System.arraycopy(p, off, payload, 0, local);
      int have = local;
      int ovfl = u32(p, off + local);
      while (have < size) {
        if (ovfl == 0) {
          throw new FormatException("overflow chain ends early");
        }
        one.clear();
        long pos = (long) (ovfl - 1) * layout.pageSize();
        while (one.hasRemaining()) {
          if (ch.read(one, pos + one.position()) < 0) {
            throw new FormatException("overflow page past the end of the file");
          }
        }
        byte[] o = one.array();
        int n = (int) Math.min(size - have, u - 4);
        System.arraycopy(o, 4, payload, have, n);
        have += n;
        ovfl = u32(o, 0);
      }
      rec = payload;
      base = 0;
    }
    decodeRecord(rec, base);
  }

  /** Content bytes of serial types 0..11 (10 and 11 are reserved: -1). */
  private static final int[] SIZE = {0, 1, 2, 3, 4, 6, 8, 8, 0, 0, -1, -1};

  private void decodeRecord(byte[] r, int base) throws FormatException {
    long[] v = tmp;
    int pos = varint(r, base, v);
    int headerEnd = base + (int) v[0];
    int body = headerEnd;
    for (int i = 0; i < columns.length; i++) {
      nulls[i] = true;
      values[i] = 0;
    }
    // one pass over the header: a wanted column's value is decoded as soon as its offset is known
    for (int col = 0; col <= maxColumn && pos < headerEnd; col++) {
      long t;
      byte b = r[pos];
      if (b >= 0) {
        t = b;
        pos++;
      } else {
        pos = varint(r, pos, v);
        t = v[0];
      }
      int slot = col < slotOf.length ? slotOf[col] : -1;
      if (slot >= 0) {
        decodeValue(r, body, t, slot);
        for (int k = slot + 1; k < columns.length; k++) {
          if (columns[k] == col) { // the same column asked for twice
            decodeValue(r, body, t, k);
          }
        }
      }
      if (t >= 12) {
        body += (int) ((t - 12) >> 1);
      } else {
        int n = SIZE[(int) t];
        if (n < 0) {
          throw new FormatException("reserved serial type " + t);
        }
        body += n;
      }
    }
  }

  private void decodeValue(byte[] r, int o, long t, int i) {
    nulls[i] = false;
    switch ((int) Math.min(t, 12)) {
      case 0 -> {
        nulls[i] = true;
        values[i] = 0;
      }
      case 1 -> values[i] = r[o];
      case 2 -> values[i] = (short) (((r[o] & 0xFF) << 8) | (r[o + 1] & 0xFF));
      case 3 -> values[i] = (r[o] << 16) | ((r[o + 1] & 0xFF) << 8) | (r[o + 2] & 0xFF);
      case 4 -> values[i] = u32(r, o);
      case 5 -> values[i] = ((long) (short) (((r[o] & 0xFF) << 8) | (r[o + 1] & 0xFF)) << 32) | (u32(r, o + 2) & 0xFFFFFFFFL);
      case 6 -> values[i] = ((long) u32(r, o) << 32) | (u32(r, o + 4) & 0xFFFFFFFFL);
      case 7 -> values[i] = (long) Double.longBitsToDouble(((long) u32(r, o) << 32) | (u32(r, o + 4) & 0xFFFFFFFFL));
      case 8 -> values[i] = 0;
      case 9 -> values[i] = 1;
      default -> { // TEXT or BLOB in an integer column: not a number
        nulls[i] = true;
        values[i] = 0;
      }
    }
  }

  private static int varint(byte[] b, int off, long[] out) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      int x = b[off + i] & 0xFF;
      v = (v << 7) | (x & 0x7F);
      if ((x & 0x80) == 0) {
        out[0] = v;
        return off + i + 1;
      }
    }
    out[0] = (v << 8) | (b[off + 8] & 0xFF);
    return off + 9;
  }

  private static int u16(byte[] b, int off) {
    return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
  }

  private static int u32(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
