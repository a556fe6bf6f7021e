package dev.profilemate.common;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import de.siegmar.fastcsv.reader.FieldMismatchStrategy;
import de.siegmar.fastcsv.writer.CsvWriter;
import de.siegmar.fastcsv.writer.LineDelimiter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
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

  /** Writes one session CSV: header first, RFC 4180 quoting only where a cell needs it, LF line ends. */
    public static final class Writer implements AutoCloseable {
    private final CsvWriter csv;
    private final int width;
    private long rows;

    public Writer(OutputStream out, List<String> header) {
      this.csv =
          CsvWriter.builder()
              .lineDelimiter(LineDelimiter.LF)
              .build(new OutputStreamWriter(out, StandardCharsets.UTF_8));
      this.width = header.size();
      csv.writeRecord(header);
    }

    public void row(String... cells) {
      if (cells.length != width) {
        throw new IllegalArgumentException("row of " + cells.length + " cells for " + width + " columns");
      }
      csv.writeRecord(cells);
      rows++;
    }

    public long rows() {
      return rows;
    }

    @Override
    public void close() {
      try {
        csv.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
