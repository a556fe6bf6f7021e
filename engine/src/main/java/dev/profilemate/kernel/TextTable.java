package dev.profilemate.kernel;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
public final class TextTable {
  private final String[] header;
  private final boolean[] rightAlign;
  private final List<String[]> rows = new ArrayList<>();

  /** Column names; a name ending in '>' is right-aligned (the '>' is not printed). */
  public TextTable(String... columns) {
    header = new String[columns.length];
    rightAlign = new boolean[columns.length];
    for (int i = 0; i < columns.length; i++) {
      rightAlign[i] = columns[i].endsWith(">");
      header[i] = rightAlign[i] ? columns[i].substring(0, columns[i].length() - 1) : columns[i];
    }
  }

  public TextTable row(Object... cells) {
    String[] r = new String[header.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
    }
    rows.add(r);
    return this;
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  public String render(String indent) {
    int[] w = new int[header.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = header[i].length();
      for (String[] r : rows) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, indent, header, w);
    for (String[] r : rows) {
      line(sb, indent, r, w);
    }
    return sb.toString();
  }

  private void line(StringBuilder sb, String indent, String[] cells, int[] w) {
    StringBuilder l = new StringBuilder(indent);
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        l.append("  ");
      }
      String c = cells[i];
      boolean last = i == cells.length - 1;
      if (rightAlign[i]) {
        l.append(" ".repeat(w[i] - c.length())).append(c);
      } else {
        l.append(c);
        if (!last) {
          l.append(" ".repeat(w[i] - c.length()));
        }
      }
    }
    sb.append(l.toString().stripTrailing()).append('\n');
  }
}
