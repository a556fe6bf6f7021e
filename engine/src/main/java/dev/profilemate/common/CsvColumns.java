package dev.profilemate.common;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Numeric columns of a session CSV, streamed ({@link CsvRows}: no String per cell) into primitive
 * arrays sized once from the file's line count. An empty or unparsable cell reads as NaN; a column the
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
    List<String> all = java.util.stream.Stream.concat(names.stream(), coded.stream()).toList();
    int numeric = names.size();
    int[] index = new int[all.size()];
    double[][] values = new double[all.size()][Math.max(16, CsvRows.lines(file))];
    List<Map<String, Integer>> codes = new java.util.ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      codes.add(i < numeric ? null : new LinkedHashMap<>());
    }
    int[] n = {0};
    CsvRows.Shape shape = CsvRows.read(file, header -> {
      for (int i = 0; i < index.length; i++) {
        index[i] = header.index(all.get(i));
      }
      return row -> {
        int k = n[0]++;
        for (int i = 0; i < index.length; i++) {
          if (i < numeric) {
            values[i][k] = row.number(index[i]);
          } else {
            Map<String, Integer> dictionary = codes.get(i);
            values[i][k] = index[i] < 0 ? Double.NaN : dictionary.computeIfAbsent(row.label(index[i]), x -> dictionary.size());
          }
        }
      };
    });
    Map<String, double[]> m = new LinkedHashMap<>();
    Map<String, List<String>> l = new LinkedHashMap<>();
    if (shape.present()) {
      for (int i = 0; i < index.length; i++) {
        if (index[i] >= 0) {
          m.put(all.get(i), Arrays.copyOf(values[i], n[0]));
          if (codes.get(i) != null) {
            l.put(all.get(i), List.copyOf(codes.get(i).keySet()));
          }
        }
      }
    }
    return new CsvColumns(m, l, n[0]);
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
