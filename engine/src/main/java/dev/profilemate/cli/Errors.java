package dev.profilemate.cli;

import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How an error reaches the user: one line on stderr, "COMMAND: what is wrong; what to do", and
 * an exit code of {@link ExitCodes}. A bad command line (2) points at --help rather than
 * printing the whole usage, which would bury the one line that matters. An exception we did not
 * expect is a bug (4): the line says so, and --debug adds the stack trace.
 */
final class Errors {
  private Errors() {}

  static int badArguments(ParameterException ex, String[] args) {
    CommandLine c = ex.getCommandLine();
    PrintWriter err = c.getErr();
    if (debug(args)) {
      ex.printStackTrace(err);
    }
    String hint = "";
    if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
      hint = " (did you mean '" + u.getSuggestions().getFirst() + "'?)";
    }
    err.println(prefix(c) + oneLine(ex.getMessage()) + hint + "; see '" + c.getCommandSpec().qualifiedName() + " --help'");
    err.flush();
    return ExitCodes.BAD_ARGUMENTS;
  }

  static int failed(Exception ex, CommandLine c, ParseResult parsed) {
    PrintWriter err = c.getErr();
    if (debug(parsed.originalArgs().toArray(String[]::new))) {
      ex.printStackTrace(err);
    }
    Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
    int code = ExitCodes.BAD_INPUT;
    String message;
    if (t instanceof UserDataException) {
      message = t.getMessage();
    } else if (t instanceof IOException io) {
      message = io(io);
    } else {
      message = "internal error: " + t + "; rerun with --debug for the stack trace";
      code = ExitCodes.INTERNAL;
    }
    err.println(prefix(c) + oneLine(message));
    err.flush();
    return code;
  }

  /** A file-system error in words, with the path first: these are the user's files, not our bug. */
  static String io(IOException e) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      String what = switch (f) {
        case NoSuchFileException x -> "no such file or folder";
        case AccessDeniedException x -> "permission denied";
        case FileAlreadyExistsException x -> "already exists";
        case NotDirectoryException x -> "is a file, not a folder";
        default -> f.getReason() != null ? f.getReason() : "cannot be read or written";
      };
      return f.getFile() + ": " + what;
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  /** --debug anywhere before "--": it is inherited, so it may follow the subcommand. */
  static boolean debug(String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals("--debug")) {
        return true;
      }
    }
    return false;
  }

  private static String prefix(CommandLine c) {
    String name = Main.name(c);
    return (name.isEmpty() ? "profilemate" : name) + ": ";
  }

  /** Messages with newlines (picocli's, a reader's) are joined: the promise is one line. */
  static String oneLine(String s) {
    return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
