package dev.profilemate.common;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import de.siegmar.fastcsv.reader.FieldMismatchStrategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Numeric columns of a session CSV, streamed into primitive arrays: a session of millions of steps
 * is read without a String kept per cell. An empty or unparsable cell reads as NaN; a column the
 * file lacks reads as absent (not an error: older sessions lack newer columns). A text column of
 * few distinct values (a phase, a finish reason) is read as codes into {@link #labels}.
 */
public final class CsvColumns {
  private final Map<String, double[]> columns;
  private final Map<String, List<String>> labels;
  private final int rows;

  private CsvColumns(Map<String, double[]> columns, Map<String, List<String>> labels, int rows) {
    this.columns = columns;
    this.labels = labels;
    this.rows = rows;
  }

  /** The named numeric columns of file; a missing file reads as no rows. */
  public static CsvColumns read(Path file, List<String> names) {
    return read(file, names, List.of());
  }

  /** As {@link #read(Path, List)}, and the text columns named in coded: each cell a code into {@link #labels}. */
  public static CsvColumns read(Path file, List<String> names, List<String> coded) {
    if (!Files.isRegularFile(file)) {
      return new CsvColumns(Map.of(), Map.of(), 0);
    }
    names = java.util.stream.Stream.concat(names.stream(), coded.stream()).toList();
    List<Map<String, Integer>> codes = new java.util.ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      codes.add(i < names.size() - coded.size() ? null : new LinkedHashMap<>());
    }
    int[] index = new int[names.size()];
    double[][] values = new double[names.size()][1024];
    int n = 0;
    try (CsvReader<CsvRecord> r = CsvReader.builder().extraFieldStrategy(FieldMismatchStrategy.IGNORE)
        .missingFieldStrategy(FieldMismatchStrategy.IGNORE).ofCsvRecord(file)) {
      boolean header = true;
      for (CsvRecord rec : r) {
        if (header) {
          List<String> head = rec.getFields().stream().map(String::strip).toList();
          for (int i = 0; i < index.length; i++) {
            index[i] = head.indexOf(names.get(i));
          }
          header = false;
          continue;
        }
        if (rec.getFieldCount() == 1 && rec.getField(0).isEmpty()) {
          continue;
        }
        if (n == values[0].length) {
          for (int i = 0; i < values.length; i++) {
            values[i] = Arrays.copyOf(values[i], n * 2);
          }
        }
        for (int i = 0; i < index.length; i++) {
          String cell = index[i] < 0 || index[i] >= rec.getFieldCount() ? null : rec.getField(index[i]);
          Map<String, Integer> dictionary = codes.get(i);
          values[i][n] = cell == null ? Double.NaN
              : dictionary == null ? number(cell) : dictionary.computeIfAbsent(cell, k -> dictionary.size());
        }
        n++;
      }
    } catch (IOException | UncheckedIOException e) {
      throw new UserDataException("cannot read " + file + ": " + CsvTable.firstLine(e.getMessage()), e);
    } catch (RuntimeException e) {
      throw new UserDataException(file + ": not a readable CSV (" + CsvTable.firstLine(e.getMessage()) + ")", e);
    }
    Map<String, double[]> m = new LinkedHashMap<>();
    Map<String, List<String>> l = new LinkedHashMap<>();
    for (int i = 0; i < index.length; i++) {
      if (index[i] >= 0) {
        m.put(names.get(i), Arrays.copyOf(values[i], n));
        if (codes.get(i) != null) {
          l.put(names.get(i), List.copyOf(codes.get(i).keySet()));
        }
      }
    }
    return new CsvColumns(m, l, n);
  }

  private static double number(String s) {
    if (s.isEmpty()) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  public int rows() {
    return rows;
  }

  public boolean has(String column) {
    return columns.containsKey(column);
  }

  /** A coded column's texts: code k reads labels(column).get(k); empty for a column not read as coded. */
  public List<String> labels(String column) {
    return labels.getOrDefault(column, List.of());
  }

  /** The column's values, one per row; all NaN where the file lacks the column. */
  public double[] get(String column) {
    double[] v = columns.get(column);
    if (v == null) {
      v = new double[rows];
      Arrays.fill(v, Double.NaN);
    }
    return v;
  }
}
