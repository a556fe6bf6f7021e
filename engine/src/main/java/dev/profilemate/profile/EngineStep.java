package dev.profilemate.profile;

import dev.profilemate.common.PrivateFiles;
import dev.profilemate.common.UserDataException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * Runs one of the engine's own commands ({@code export}, {@code nsys}, {@code ncu}) in this JVM,
 * exactly as {@code profilemate ARGS} would, keeping its text output. A failure is returned, not
 * thrown, so one failed analysis does not lose the others. The caller gives the engine's top
 * command (the CLI's Main): this package sits below the CLI and does not import it.
 */
final class EngineStep {
  private final Supplier<Object> commands;

  EngineStep(Supplier<Object> commands) {
    this.commands = commands;
  }

  record Outcome(int exit, String out, String err) {
    boolean ok() {
      return exit == 0;
    }

    /** The last line on stderr (the command's one-line error), or the exit status. */
    String errorLine() {
      String e = err.strip();
      return e.isEmpty() ? "exit " + exit : e.lines().reduce((a, b) -> b).orElse(e);
    }
  }

  Outcome run(Path textOut, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(commands.get());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof UserDataException ude) {
        commandLine.getErr().println(commandLine.getCommandName() + ": " + ude.getMessage());
        return 1;
      }
      commandLine.getErr().println(commandLine.getCommandName() + ": " + ex);
      return 1;
    });
    int exit = cl.execute(args);
    Outcome o = new Outcome(exit, out.toString(), err.toString());
    if (textOut != null) {
      try {
        PrivateFiles.writeString(textOut, o.out() + o.err());
      } catch (IOException e) {
        return new Outcome(1, o.out(), o.err() + "cannot write " + textOut + ": " + e.getMessage() + "\n");
      }
    }
    return o;
  }
}
