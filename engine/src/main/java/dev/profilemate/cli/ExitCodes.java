package dev.profilemate.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The exit statuses, one meaning each across every subcommand, so a script can tell "fix your
 * input" (1) from "fix the command line" (2), "usable but incomplete" (3), "our bug" (4) and "the
 * change made it worse" (5, compare only).
 * Every error path prints one line on stderr naming the thing and the fix; the stack trace only
 * with --debug.
 */
final class ExitCodes {
  private ExitCodes() {}

  static final int OK = 0;
  /** A file or folder is missing, of the wrong kind or unreadable, or a step failed: one line says which and what to do. */
  static final int BAD_INPUT = 1;
  /** Unknown option, missing or malformed argument: one line naming it and pointing at --help. */
  static final int BAD_ARGUMENTS = 2;
  /** The files were written, but damaged parts of the input were skipped (a warning line each). */
  static final int PARTIAL = 3;
  /** An unexpected exception: a bug in ProfileMate; --debug prints the stack trace to report. */
  static final int INTERNAL = 4;
  /** compare --fail-on-regression: a metric got worse beyond its limit (one line each on stderr). */
  static final int REGRESSION = 5;

  // kept under 76 characters: picocli wraps a longer footer line without indenting it
  private static final String[] MEANINGS = {
    "ok",
    "bad input: a path is missing or of the wrong kind, or a step failed",
    "bad arguments: an unknown option, a missing or malformed value",
    "partial: written, but damaged data was skipped (warnings on stderr)",
    "internal error (a bug): rerun with --debug for the stack trace",
    "regression: a --fail-on-regression limit was crossed (stderr says which)",
  };

  /** The "Exit codes:" section of a usage message, for the codes a command can return. */
  static List<String> section(int... codes) {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add("Exit codes (an error is one line on stderr: what is wrong, what to do):");
    for (int c : codes) {
      lines.add("  " + c + "  " + MEANINGS[c]);
    }
    return lines;
  }
}
