package dev.profilemate.report;

import java.util.List;

/** A text column of few values (phases) stored as a number per row: the position of its text in a list. */
final class Labels {
  private Labels() {}

  /** The position of {@code s} in {@code labels}, added at the end when new (a phase column has a handful). */
  static int code(List<String> labels, String s) {
    for (int i = labels.size() - 1; i >= 0; i--) {
      if (labels.get(i).equals(s)) {
        return i;
      }
    }
    labels.add(s);
    return labels.size() - 1;
  }
}
