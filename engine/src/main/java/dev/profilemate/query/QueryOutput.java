package dev.profilemate.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import de.siegmar.fastcsv.writer.CsvWriter;
import de.siegmar.fastcsv.writer.LineDelimiter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** A query's answer as an aligned text table (the default), CSV (RFC 4180, NULL empty) or JSON (an array of rows). */
public enum QueryOutput {
  TABLE, CSV, JSON;

  /** Writes every row; returns how many. */
  long write(ResultSet r, PrintStream out) throws SQLException {
    ResultSetMetaData m = r.getMetaData();
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= m.getColumnCount(); i++) {
      names.add(m.getColumnLabel(i));
    }
    try {
      return switch (this) {
        case TABLE -> table(r, names, out);
        case CSV -> csv(r, names, out);
        case JSON -> json(r, names, out);
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long table(ResultSet r, List<String> names, PrintStream out) throws SQLException {
    List<String[]> rows = new ArrayList<>();
    List<Boolean> numeric = new ArrayList<>();
    int[] width = names.stream().mapToInt(String::length).toArray();
    for (int i = 0; i < names.size(); i++) {
      numeric.add(false);
    }
    while (r.next()) {
      String[] row = new String[names.size()];
      for (int i = 0; i < row.length; i++) {
        Object v = r.getObject(i + 1);
        row[i] = v == null ? "NULL" : text(v);
        numeric.set(i, numeric.get(i) || v instanceof Number);
        width[i] = Math.max(width[i], row[i].length());
      }
      rows.add(row);
    }
    out.println(line(names.toArray(String[]::new), width, numeric));
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < width.length; i++) {
      rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
    }
    out.println(rule);
    rows.forEach(row -> out.println(line(row, width, numeric)));
    out.println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
    return rows.size();
  }

  private static String line(String[] cells, int[] width, List<Boolean> numeric) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      String pad = " ".repeat(width[i] - cells[i].length());
      boolean last = i == cells.length - 1;
      b.append(i == 0 ? "" : "  ").append(numeric.get(i) ? pad + cells[i] : cells[i] + (last ? "" : pad));
    }
    return b.toString();
  }

  private static long csv(ResultSet r, List<String> names, PrintStream out) throws SQLException, IOException {
    long n = 0;
    Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
    CsvWriter csv = CsvWriter.builder().lineDelimiter(LineDelimiter.LF).build(w); // as the session CSVs
    csv.writeRecord(names);
    while (r.next()) {
      List<String> row = new ArrayList<>();
      for (int i = 1; i <= names.size(); i++) {
        Object v = r.getObject(i);
        row.add(v == null ? "" : text(v));
      }
      csv.writeRecord(row);
      n++;
    }
    csv.flush();
    return n;
  }

  private static long json(ResultSet r, List<String> names, PrintStream out) throws SQLException, IOException {
    long n = 0;
    JsonGenerator g = new JsonFactory().createGenerator(new OutputStreamWriter(out, StandardCharsets.UTF_8));
    g.writeStartArray();
    while (r.next()) {
      g.writeStartObject();
      for (int i = 1; i <= names.size(); i++) {
        g.writeFieldName(names.get(i - 1));
        Object v = r.getObject(i);
        switch (v) {
          case null -> g.writeNull();
          case Double d when d.isNaN() || d.isInfinite() -> g.writeNull();
          case Float f when f.isNaN() || f.isInfinite() -> g.writeNull();
          case Long l -> g.writeNumber(l);
          case Integer x -> g.writeNumber(x);
          case Short x -> g.writeNumber(x);
          case Byte x -> g.writeNumber(x);
          case BigInteger x -> g.writeNumber(x);
          case BigDecimal x -> g.writeNumber(x);
          case Double d -> g.writeNumber(d);
          case Float f -> g.writeNumber(f);
          case Boolean b -> g.writeBoolean(b);
          default -> g.writeString(text(v));
        }
      }
      g.writeEndObject();
      n++;
    }
    g.writeEndArray();
    g.writeRaw('\n');
    g.flush();
    return n;
  }

  /** Doubles plainly (0.0001, not 1.0E-4), without trailing zeros; everything else as DuckDB's Java value prints. */
  static String text(Object v) {
    if (v instanceof Double d && Double.isFinite(d)) {
      return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
    if (v instanceof Float f && Float.isFinite(f)) {
      return new BigDecimal(Float.toString(f)).stripTrailingZeros().toPlainString();
    }
    if (v instanceof BigDecimal b) {
      return b.toPlainString();
    }
    return v.toString();
  }
}
