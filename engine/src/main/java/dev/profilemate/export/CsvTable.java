package dev.profilemate.export;

import de.siegmar.fastcsv.writer.CsvWriter;
import de.siegmar.fastcsv.writer.LineDelimiter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One session CSV: header first, RFC 4180 quoting only where a cell needs it, LF line ends. */
final class CsvTable implements AutoCloseable {
  private final CsvWriter csv;
  private final int width;
  private long rows;

  CsvTable(OutputStream out, List<String> header) {
    this.csv =
        CsvWriter.builder()
            .lineDelimiter(LineDelimiter.LF)
            .build(new OutputStreamWriter(out, StandardCharsets.UTF_8));
    this.width = header.size();
    csv.writeRecord(header);
  }

  void row(String... cells) {
    if (cells.length != width) {
      throw new IllegalArgumentException("row of " + cells.length + " cells for " + width + " columns");
    }
    csv.writeRecord(cells);
    rows++;
  }

  long rows() {
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
