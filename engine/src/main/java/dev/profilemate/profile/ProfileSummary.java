package dev.profilemate.profile;

import dev.profilemate.common.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** profile_summary.txt: what ran (commands), what was written, notes and problems. */
final class ProfileSummary {
  private final List<String> ran = new ArrayList<>();
  private final List<String> files = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private final List<String> header = new ArrayList<>();

  void header(String line) {
    header.add(line);
  }

  void ran(List<String> command) {
    ran.add(String.join(" ", command.stream().map(ProfileSummary::quote).toList()));
  }

  void ran(String what) {
    ran.add(what);
  }

  void file(String rel, String what) {
    files.add(String.format("  %-34s %s", rel, what));
  }

  void note(String n) {
    notes.add(n);
  }

  void problem(String p) {
    problems.add(p);
  }

  List<String> problems() {
    return problems;
  }

  List<String> notes() {
    return notes;
  }

  static String quote(String w) {
    return w.matches("[A-Za-z0-9_@%+=:,./-]+") ? w : "'" + w.replace("'", "'\\''") + "'";
  }

  void write(Path file) throws IOException {
    StringBuilder sb = new StringBuilder();
    header.forEach(h -> sb.append(h).append('\n'));
    sb.append("\nCommands run:\n");
    ran.forEach(r -> sb.append("  ").append(r).append('\n'));
    sb.append("\nFiles:\n");
    files.forEach(f -> sb.append(f).append('\n'));
    if (!notes.isEmpty()) {
      sb.append("\nNotes:\n");
      notes.forEach(n -> sb.append("  - ").append(n).append('\n'));
    }
    if (!problems.isEmpty()) {
      sb.append("\nProblems:\n");
      problems.forEach(p -> sb.append("  - ").append(p).append('\n'));
    }
    PrivateFiles.writeString(file, sb.toString());
  }
}
