package dev.profilemate.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code profilemate} command line. One subcommand class per verb. Every command, those of
 * picocli included, gets --help/--version, its examples and exit codes ({@link CommandDocs},
 * {@link ExitCodes}); errors are one line on stderr ({@link Errors}), the stack trace only with
 * --debug.
 */
@Command(
    name = "profilemate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionInfo.class,
    description = "Runtime profiler for vLLM inference servers.",
    subcommands = {
      ExportCommand.class,
      CollectCommand.class,
      DoctorCommand.class,
      DemoCommand.class,
      ReportCommand.class,
      CompareCommand.class,
      TimelineCommand.class,
      MergeCommand.class,
      QueryCommand.class,
      dev.profilemate.kernel.nsys.NsysCommand.class,
      dev.profilemate.kernel.ncu.NcuCommand.class,
      dev.profilemate.kernel.kineto.TraceCommand.class,
      dev.profilemate.bench.BenchCommand.class,
      ProfileCommand.class,
      HelpCommand.class,
      AutoComplete.GenerateCompletion.class,
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandSpec spec;

  // read from the parse result by Errors (an inherited option is matched on the subcommand)
  @Option(names = "--debug", scope = ScopeType.INHERIT,
      description = "on an error, print the full stack trace after the one-line message")
  boolean debug;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI without exiting; tests call this. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The whole command tree, conventions applied; tests walk it. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    CommandSpec completion = cl.getSubcommands().get("generate-completion").getCommandSpec();
    completion.usageMessage().hidden(false); // picocli hides it; it is how completion is installed
    for (CommandLine c : all(cl)) {
      CommandSpec s = c.getCommandSpec();
      if (!s.mixinStandardHelpOptions() && !(c.getCommand() instanceof HelpCommand)) {
        s.mixinStandardHelpOptions(true);
      }
      s.versionProvider(cl.getCommandSpec().versionProvider());
      List<String> footer = new ArrayList<>(List.of(s.usageMessage().footer()));
      footer.addAll(CommandDocs.footer(name(c)));
      s.usageMessage().footer(footer.toArray(String[]::new));
    }
    cl.setParameterExceptionHandler(Errors::badArguments);
    cl.setExecutionExceptionHandler(Errors::failed);
    return cl;
  }

  /** A command and all commands under it, depth first. */
  static List<CommandLine> all(CommandLine root) {
    List<CommandLine> out = new ArrayList<>();
    out.add(root);
    for (CommandLine sub : root.getSubcommands().values()) {
      if (sub.getParent() == root) { // aliases map to the same CommandLine: list it once
        out.addAll(all(sub).stream().filter(c -> !out.contains(c)).toList());
      }
    }
    return out;
  }

  /** The command's name under profilemate: "" for profilemate itself, "export", "a b" when nested. */
  static String name(CommandLine c) {
    String q = c.getCommandSpec().qualifiedName(" ");
    int space = q.indexOf(' ');
    return space < 0 ? "" : q.substring(space + 1);
  }
}
