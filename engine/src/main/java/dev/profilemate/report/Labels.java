package dev.profilemate.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A text column of few values (phases) stored as a number per row: the position of its text in a
 * list. Looked up by hash, so a damaged file with a different text on every row stays linear.
 */
final class Labels {
  private final Map<String, Integer> codes = new HashMap<>();
  private final List<String> texts = new ArrayList<>();

  /** The code of {@code s}, a new one when it is new. */
  int code(String s) {
    Integer c = codes.get(s);
    if (c == null) {
      c = texts.size();
      codes.put(s, c);
      texts.add(s);
    }
    return c;
  }

  /** The texts by code. */
  List<String> texts() {
    return List.copyOf(texts);
  }
}
