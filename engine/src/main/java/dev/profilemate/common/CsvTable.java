package dev.profilemate.common;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import de.siegmar.fastcsv.reader.FieldMismatchStrategy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One session CSV as read back: header, rows, and whether the file was there at all. Columns
 * are looked up by name, so a file with only the seed columns (an older session, or one
 * written by the original tool) reads the same; a missing cell reads as NaN or "".
 */
public record CsvTable(String fileName, boolean present, Map<String, Integer> columns, List<String[]> rows) {

  public static CsvTable absent(String fileName) {
    return new CsvTable(fileName, false, Map.of(), List.of());
  }

  public static CsvTable read(Path file) {
    String name = file.getFileName().toString();
    if (!Files.isRegularFile(file)) {
      return absent(name);
    }
    Map<String, Integer> cols = new HashMap<>();
    List<String[]> rows = new ArrayList<>();
    try (CsvReader<CsvRecord> r =
        CsvReader.builder().extraFieldStrategy(FieldMismatchStrategy.IGNORE)
            .missingFieldStrategy(FieldMismatchStrategy.IGNORE).ofCsvRecord(file)) {
      boolean header = true;
      for (CsvRecord rec : r) {
        if (header) {
          for (int i = 0; i < rec.getFieldCount(); i++) {
            cols.putIfAbsent(rec.getField(i).strip(), i);
          }
          header = false;
        } else if (!(rec.getFieldCount() == 1 && rec.getField(0).isEmpty())) {
          rows.add(rec.getFields().toArray(String[]::new));
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw new UserDataException("cannot read " + file + ": " + firstLine(e.getMessage()), e);
    } catch (RuntimeException e) {
      throw new UserDataException(file + ": not a readable CSV (" + firstLine(e.getMessage()) + ")", e);
    }
    return new CsvTable(name, true, Map.copyOf(cols), List.copyOf(rows));
  }

  /** Error messages become one line of the CLI's output. */
  public static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("").strip();
  }

  public boolean hasRows() {
    return !rows.isEmpty();
  }

  public boolean hasColumn(String name) {
    return columns.containsKey(name);
  }

  public String text(String[] row, String column) {
    Integer i = columns.get(column);
    return i == null || i >= row.length ? "" : row[i];
  }

  /** A number cell; empty, "None" or unparsable cells are NaN. */
  public double number(String[] row, String column) {
    String s = text(row, column).strip();
    if (s.isEmpty()) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  public long whole(String[] row, String column) {
    double d = number(row, column);
    return Double.isNaN(d) ? 0 : Math.round(d);
  }

  /**
   * Writes one session CSV: header first, RFC 4180 quoting only where a cell needs it (a comma,
   * quote, CR or LF in it, or a record's first cell starting with '#'; FastCSV's rules, which wrote
   * these files before), LF line ends, UTF-8. Bytes go straight into a buffer: a long session
   * writes hundreds of millions of cells, and cells are appended without a String each
   * ({@link #whole}, {@link #fixed}) where the caller has numbers.
   */
  public static final class Writer implements AutoCloseable {
    private static final int FLUSH_AT = 1 << 16;
    private final OutputStream out;
    private final int width;
    private byte[] buf = new byte[FLUSH_AT + 1024];
    private int pos;
    private int cells;
    private long rows;
    private long written;

    public Writer(OutputStream out, List<String> header) {
      this(out, header.size());
      row(header.toArray(String[]::new));
      rows = 0;
    }

    /** Appends to a file that already holds its header (and rows): the collector's refresh. */
    public static Writer appending(OutputStream out, int width) {
      return new Writer(out, width);
    }

    private Writer(OutputStream out, int width) {
      this.out = out;
      this.width = width;
    }

    public void row(String... cells) {
      if (cells.length != width) {
        throw new IllegalArgumentException("row of " + cells.length + " cells for " + width + " columns");
      }
      for (String c : cells) {
        text(c);
      }
      end();
    }

    /** A text cell, quoted where it needs to be. */
    public Writer text(String s) {
      separate();
      int n = s.length();
      // the usual cell (ASCII, nothing to quote) is checked and copied in one pass; pos moves
      // only once it is whole, so a cell that needs more starts again below
      room(n);
      boolean plain = cells != 1 || n == 0 || s.charAt(0) != '#';
      int p = pos;
      for (int i = 0; i < n && plain; i++) {
        char c = s.charAt(i);
        plain = c < 0x80 && c != ',' && c != '"' && c != '\n' && c != '\r';
        buf[p++] = (byte) c;
      }
      if (plain) {
        pos = p;
        return this;
      }
      boolean quote = cells == 1 && s.charAt(0) == '#';
      for (int i = 0; i < n && !quote; i++) {
        char c = s.charAt(i);
        quote = c == ',' || c == '"' || c == '\n' || c == '\r';
      }
      byte[] b = (quote ? '"' + s.replace("\"", "\"\"") + '"' : s).getBytes(StandardCharsets.UTF_8);
      room(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
      return this;
    }

    /**
     * Several cells formatted once and reused row after row (a process's rank cells): their bytes,
     * comma-joined and CSV-quoted already, copied in as they are.
     */
    public Writer preformatted(byte[] joined, int count) {
      separate();
      room(joined.length);
      System.arraycopy(joined, 0, buf, pos, joined.length);
      pos += joined.length;
      cells += count - 1;
      return this;
    }

    /** A whole-number cell. */
    public Writer whole(long v) {
      separate();
      room(20);
      if (v < 0) {
        if (v == Long.MIN_VALUE) {
          return raw(Long.toString(v));
        }
        buf[pos++] = '-';
        v = -v;
      }
      int len = Fmt.digitCount(v);
      pos += len;
      Fmt.writeDigits(buf, pos, v, len);
      return this;
    }

    /** A fixed-point cell as {@link Fmt#fixed(double, int)} writes it (empty for NaN). */
    public Writer fixed(double v, int places) {
      separate();
      if (Math.abs(v) >= 1e12) {
        return raw(Fmt.fixed(v, places)); // rare: may be longer than the room kept for numbers
      }
      room(Fmt.MAX_FAST + places);
      pos = Fmt.fixed(buf, pos, v, places);
      return this;
    }

    private Writer raw(String ascii) {
      room(ascii.length());
      for (int i = 0; i < ascii.length(); i++) {
        buf[pos++] = (byte) ascii.charAt(i);
      }
      return this;
    }

    private void separate() {
      if (cells++ > 0) {
        room(1);
        buf[pos++] = ',';
      }
    }

    /** Ends the row begun by the cell calls. */
    public void end() {
      if (cells != width) {
        throw new IllegalArgumentException("row of " + cells + " cells for " + width + " columns");
      }
      room(1);
      buf[pos++] = '\n';
      cells = 0;
      rows++;
      if (pos >= FLUSH_AT) {
        drain();
      }
    }

    private void room(int n) {
      if (pos + n > buf.length) {
        if (pos > 0) {
          drain();
        }
        if (n > buf.length) {
          buf = new byte[n];
        }
      }
    }

    private void drain() {
      try {
        out.write(buf, 0, pos);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      written += pos;
      pos = 0;
    }

    /** Rows written (the header not counted). */
    public long rows() {
      return rows;
    }

    /** Bytes handed to the stream so far, header included, once {@link #flush()}ed. */
    public long bytes() {
      return written + pos;
    }

    /** Writes out whole rows held so far. */
    public void flush() {
      drain();
      try {
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      flush();
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
