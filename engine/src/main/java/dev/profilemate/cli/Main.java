package dev.profilemate.cli;

import dev.profilemate.common.UserDataException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code profilemate} command line. One subcommand class per verb. Exit codes: 0 ok; 1 bad
 * input or refused (a one-line message on stderr naming the file and the problem); 2 bad
 * arguments (with usage); 3 partial: the files were written, but damaged parts of the input were
 * skipped (one warning line per dropped byte range on stderr, and in metadata.json).
 */
@Command(
    name = "profilemate",
    mixinStandardHelpOptions = true,
    version = "profilemate 0.1.0",
    description = "Runtime profiler for vLLM inference servers.",
    subcommands = {
      ExportCommand.class,
      CollectCommand.class,
      DoctorCommand.class,
      DemoCommand.class,
      ReportCommand.class,
      dev.profilemate.kernel.nsys.NsysCommand.class,
      dev.profilemate.kernel.ncu.NcuCommand.class,
      dev.profilemate.kernel.kineto.TraceCommand.class,
      dev.profilemate.bench.BenchCommand.class,
      ProfileCommand.class,
    },
    footer = {
      "",
      "Examples:",
      "  profilemate demo --out /tmp/pm            run a built-in workload on the real vLLM scheduler",
      "  profilemate export /tmp/vllm_profiling/session_20261129_101500",
      "  profilemate doctor                        which probe targets attach on the installed vLLM",
      "  profilemate report SESSION --gpu H200     the HTML report of a session",
      "  profilemate nsys report.sqlite            kernel time by category, phases, graph coverage",
      "",
      "Exit codes: 0 ok; 1 bad input or refused; 2 bad arguments;",
      "  3 partial: written, but some data was dropped (export, collect: see the warnings).",
    })
public final class Main implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_BAD_INPUT = 1;
  public static final int EXIT_BAD_ARGUMENTS = 2;
  public static final int EXIT_PARTIAL = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI without exiting; tests call this. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof UserDataException ude) {
            commandLine.getErr().println(commandLine.getCommandName() + ": " + ude.getMessage());
            return EXIT_BAD_INPUT;
          }
          throw ex;
        });
    return cl.execute(args);
  }
}
