package dev.profilemate.profile;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits {@code --vllm-args "..."} into words as a POSIX shell would, without expansions:
 * whitespace separates, 'single quotes' keep everything, "double quotes" keep everything but
 * backslash escapes of {@code \ " $ `}, a backslash outside quotes escapes the next character.
 */
public final class ShellWords {
  private ShellWords() {}

  public static List<String> split(String s) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(w.toString());
          w.setLength(0);
          inWord = false;
        }
        i++;
      } else if (c == '\'') {
        int end = s.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unterminated ' in: " + s);
        }
        w.append(s, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (c == '"') {
        i++;
        while (true) {
          if (i >= s.length()) {
            throw new IllegalArgumentException("unterminated \" in: " + s);
          }
          char d = s.charAt(i);
          if (d == '"') {
            i++;
            break;
          }
          if (d == '\\' && i + 1 < s.length() && "\\\"$`".indexOf(s.charAt(i + 1)) >= 0) {
            w.append(s.charAt(i + 1));
            i += 2;
          } else {
            w.append(d);
            i++;
          }
        }
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 >= s.length()) {
          throw new IllegalArgumentException("trailing \\ in: " + s);
        }
        w.append(s.charAt(i + 1));
        inWord = true;
        i += 2;
      } else {
        w.append(c);
        inWord = true;
        i++;
      }
    }
    if (inWord) {
      words.add(w.toString());
    }
    return words;
  }
}
