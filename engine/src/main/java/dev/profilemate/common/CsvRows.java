package dev.profilemate.common;

import de.siegmar.fastcsv.reader.AbstractBaseCsvCallbackHandler;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.FieldMismatchStrategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One session CSV streamed row by row, for files too long to hold as strings (a 50M-record
 * session has tens of millions of rows): each row's cells stay as characters in one reused
 * buffer, and a caller takes the cells it needs as numbers, parsed straight from those
 * characters. Reads exactly what {@link CsvTable#read} reads — the same FastCSV settings, the
 * header found the same way, the same number and text of every cell — so the two are
 * interchangeable by result.
 */
public final class CsvRows {
  private CsvRows() {}

  /** Receives the rows of one file; the row is only valid during the call. */
  @FunctionalInterface
  public interface Sink {
    void row(Row row);
  }

  /** Whether the file was there, and how many data rows it had. */
  public record Shape(String fileName, boolean present, long rows) {
    public static Shape absent(String fileName) {
      return new Shape(fileName, false, 0);
    }

    public boolean hasRows() {
      return rows > 0;
    }
  }

  /** Column positions by header name, as {@link CsvTable} finds them (stripped, first of a repeated name). */
  public static final class Header {
    /** A file without a header line: every column is missing. */
    public static final Header NONE = new Header(Map.of());

    private final Map<String, Integer> columns;

    private Header(Map<String, Integer> columns) {
      this.columns = columns;
    }

    /** The column's position, or -1 when the file has no such column (its cells then read as missing). */
    public int index(String name) {
      return columns.getOrDefault(name, -1);
    }

    public boolean has(String name) {
      return columns.containsKey(name);
    }
  }

  /**
   * Streams {@code file}: {@code open} gets the header and returns the sink for the data rows.
   * An absent file is not an error (its shape says so); an unreadable one is, named in one line.
   */
  public static Shape read(Path file, Function<Header, Sink> open) {
    String name = file.getFileName().toString();
    if (!Files.isRegularFile(file)) {
      return Shape.absent(name);
    }
    Sink sink = null;
    long rows = 0;
    Handler handler = new Handler();
    try (CsvReader<Row> r = CsvReader.builder().extraFieldStrategy(FieldMismatchStrategy.IGNORE)
        .missingFieldStrategy(FieldMismatchStrategy.IGNORE).build(handler, file)) {
      for (Row row : r) {
        if (sink == null) {
          Map<String, Integer> cols = new HashMap<>();
          for (int i = 0; i < row.count; i++) {
            cols.putIfAbsent(row.text(i).strip(), i);
          }
          sink = open.apply(new Header(Map.copyOf(cols)));
        } else if (!(row.count == 1 && row.length(0) == 0)) {
          rows++;
          try {
            sink.row(row);
          } catch (RuntimeException e) {
            throw new SinkFailure(e); // a fault of the caller, not of the file
          }
        }
      }
    } catch (SinkFailure e) {
      throw e.getCause();
    } catch (IOException | UncheckedIOException e) {
      throw new UserDataException("cannot read " + file + ": " + CsvTable.firstLine(e.getMessage()), e);
    } catch (RuntimeException e) {
      throw new UserDataException(file + ": not a readable CSV (" + CsvTable.firstLine(e.getMessage()) + ")", e);
    }
    return new Shape(name, true, rows);
  }

  /**
   * The file's line count (LF bytes, plus a last line without one): an upper bound of its rows,
   * read at disk speed, so that a caller can size its columns once. 0 when the file is absent.
   */
  public static int lines(Path file) {
    if (!Files.isRegularFile(file)) {
      return 0;
    }
    long lines = 0;
    byte last = '\n';
    byte[] buf = new byte[1 << 16];
    try (java.io.InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        for (int i = 0; i < n; i++) {
          lines += buf[i] == '\n' ? 1 : 0;
        }
        last = buf[n - 1];
      }
    } catch (IOException e) {
      throw new UserDataException("cannot read " + file + ": " + CsvTable.firstLine(e.getMessage()), e);
    }
    return (int) Math.min(Integer.MAX_VALUE - 16, lines + (last == '\n' ? 0 : 1));
  }

  private static final class SinkFailure extends RuntimeException {
    SinkFailure(RuntimeException cause) {
      super(cause);
    }

    @Override
    public synchronized RuntimeException getCause() {
      return (RuntimeException) super.getCause();
    }
  }

  /** Copies each field's characters into the row: FastCSV's own buffer moves as it refills. */
  private static final class Handler extends AbstractBaseCsvCallbackHandler<Row> {
    private final Row row = new Row();

    @Override
    protected void handleBegin(long startingLineNumber) {
      row.count = 0;
      row.used = 0;
    }

    @Override
    protected void handleField(int fieldIdx, char[] buf, int offset, int len, boolean quoted) {
      row.add(buf, offset, len);
    }

    @Override
    protected Row buildRecord() {
      return row;
    }
  }

  /** The current row: its cells as characters, read by position (see {@link Header#index}). */
  public static final class Row {
    private static final int LABELS = 64;
    private char[] chars = new char[256];
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private int count;
    private int used;
    /** Repeated short texts (phases, operation names) share one String each: see {@link #label}. */
    private final String[] labels = new String[LABELS];

    void add(char[] buf, int offset, int len) {
      if (count == starts.length) {
        starts = Arrays.copyOf(starts, count * 2);
        ends = Arrays.copyOf(ends, count * 2);
      }
      if (used + len > chars.length) {
        chars = Arrays.copyOf(chars, Math.max(chars.length * 2, used + len));
      }
      System.arraycopy(buf, offset, chars, used, len);
      starts[count] = used;
      used += len;
      ends[count++] = used;
    }

    private int length(int col) {
      return ends[col] - starts[col];
    }

    /** The cell as text; "" where the row or the file has no such cell. */
    public String text(int col) {
      return col < 0 || col >= count ? "" : new String(chars, starts[col], length(col));
    }

    /**
     * As {@link #text}, for a column of few distinct values (phase, operation, reason): the same
     * String is handed out again while it is among the last few seen, so a long file makes no
     * String per row.
     */
    public String label(int col) {
      if (col < 0 || col >= count) {
        return "";
      }
      int from = starts[col];
      int len = length(col);
      int h = 0;
      for (int i = from; i < from + len; i++) {
        h = 31 * h + chars[i];
      }
      int slot = (h ^ (h >>> 16)) & (LABELS - 1);
      String s = labels[slot];
      if (s != null && s.length() == len) {
        boolean same = true;
        for (int i = 0; i < len && same; i++) {
          same = s.charAt(i) == chars[from + i];
        }
        if (same) {
          return s;
        }
      }
      s = new String(chars, from, len);
      labels[slot] = s;
      return s;
    }

    /**
     * A number cell: empty, "None" or unparsable cells are NaN, as {@link CsvTable#number}. Plain
     * decimals of up to 15 digits are parsed here without a String: the digits as an exact long
     * divided by an exact power of ten is correctly rounded (one IEEE division), which is what
     * {@link Double#parseDouble} returns for them. Anything else goes through parseDouble.
     */
    public double number(int col) {
      if (col < 0 || col >= count) {
        return Double.NaN;
      }
      int i = starts[col];
      int end = ends[col];
      if (i == end) {
        return Double.NaN; // an empty cell (a time not recorded)
      }
      boolean negative = i < end && chars[i] == '-';
      if (negative) {
        i++;
      }
      long digits = 0;
      int significant = 0;
      int decimals = -1;
      boolean any = false;
      for (; i < end; i++) {
        char c = chars[i];
        if (c >= '0' && c <= '9') {
          any = true;
          if (digits != 0 || c != '0') {
            significant++;
          }
          digits = digits * 10 + (c - '0');
          if (decimals >= 0) {
            decimals++;
          }
          if (significant > 15) {
            return slowNumber(col);
          }
        } else if (c == '.' && decimals < 0) {
          decimals = 0;
        } else {
          return slowNumber(col);
        }
      }
      if (!any || decimals > 22) {
        return slowNumber(col);
      }
      double v = decimals <= 0 ? (double) digits : digits / POWERS[decimals];
      return negative ? -v : v;
    }

    private static final double[] POWERS = new double[23];

    static {
      POWERS[0] = 1;
      for (int k = 1; k < POWERS.length; k++) {
        POWERS[k] = POWERS[k - 1] * 10; // exact up to 1e22
      }
    }

    private double slowNumber(int col) {
      String s = text(col).strip();
      if (s.isEmpty()) {
        return Double.NaN;
      }
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }

    /** A whole-number cell: NaN reads as 0, else rounded, as {@link CsvTable#whole}. */
    public long whole(int col) {
      double d = number(col);
      return Double.isNaN(d) ? 0 : Math.round(d);
    }
  }
}
