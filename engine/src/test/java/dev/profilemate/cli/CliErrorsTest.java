package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Each subcommand × each usual slip: the exit code is non-zero and one its --help documents,
 * stderr is exactly one line naming the command, and no stack trace unless --debug.
 */
class CliErrorsTest {
  enum Slip { NO_ARGUMENTS, MISSING_PATH, FILE_FOR_FOLDER, FOLDER_FOR_FILE, EMPTY_FOLDER, UNKNOWN_FLAG, TWO_SESSIONS }

  @TempDir static Path tmp;
  static Path file;
  static Path empty;
  static Path profiling; // holds two sessions, as /tmp/vllm_profiling does after two runs

  @BeforeAll
  static void paths() throws IOException {
    file = Files.writeString(tmp.resolve("a-file.txt"), "x");
    empty = Files.createDirectories(tmp.resolve("empty"));
    profiling = Files.createDirectories(tmp.resolve("vllm_profiling"));
    Files.createDirectories(profiling.resolve("session_20261201_100000/raw"));
    Files.createDirectories(profiling.resolve("session_20261201_110000/raw"));
  }

  static List<String> a(String... s) {
    return List.of(s);
  }

  /**
   * The slips that are slips for each command (null: not one, e.g. demo with no arguments runs the
   * demo). Commands that read a path get the path slips; the rest get what they can.
   */
  static Map<String, Function<Slip, List<String>>> matrix() {
    Path s1 = profiling.resolve("session_20261201_100000");
    Path s2 = profiling.resolve("session_20261201_110000");
    Path missing = tmp.resolve("no-such-thing");
    Map<String, Function<Slip, List<String>>> m = new LinkedHashMap<>();
    for (String cmd : List.of("export", "collect", "report", "timeline")) {
      m.put(cmd, slip -> switch (slip) {
        case NO_ARGUMENTS -> a(cmd);
        case MISSING_PATH -> a(cmd, missing.toString());
        case FILE_FOR_FOLDER -> a(cmd, file.toString());
        case FOLDER_FOR_FILE -> a(cmd, profiling.toString()); // the profiling folder, not a session in it
        case EMPTY_FOLDER -> a(cmd, empty.toString());
        case UNKNOWN_FLAG -> a(cmd, "--no-such-flag", s1.toString());
        case TWO_SESSIONS -> a(cmd, s1.toString(), s2.toString()); // sessions with no spools yet
      });
    }
    for (String cmd : List.of("nsys", "ncu", "trace")) {
      m.put(cmd, slip -> switch (slip) {
        case NO_ARGUMENTS -> a(cmd);
        case MISSING_PATH -> a(cmd, missing.toString());
        case FILE_FOR_FOLDER -> a(cmd, file.toString()); // not a trace
        case FOLDER_FOR_FILE, EMPTY_FOLDER -> a(cmd, empty.toString());
        case UNKNOWN_FLAG -> a(cmd, "--no-such-flag", file.toString());
        case TWO_SESSIONS -> a(cmd, file.toString(), file.toString());
      });
    }
    m.put("demo", slip -> switch (slip) {
      case FILE_FOR_FOLDER -> a("demo", "--out", file.toString());
      case UNKNOWN_FLAG -> a("demo", "--no-such-flag");
      case TWO_SESSIONS -> a("demo", s1.toString());
      default -> null; // no arguments, a new or an empty folder: the demo runs
    });
    m.put("doctor", slip -> slip == Slip.UNKNOWN_FLAG ? a("doctor", "--no-such-flag")
        : slip == Slip.MISSING_PATH ? a("doctor", missing.toString()) : null);
    m.put("bench", slip -> switch (slip) {
      case NO_ARGUMENTS -> a("bench");
      case UNKNOWN_FLAG -> a("bench", "--no-such-flag");
      case MISSING_PATH -> a("bench", "--base-url", "not a url", "--model", "m");
      default -> null;
    });
    m.put("profile", slip -> switch (slip) {
      case NO_ARGUMENTS -> a("profile");
      case UNKNOWN_FLAG -> a("profile", "--model", "m", "--no-such-flag");
      default -> null;
    });
    m.put("compare", slip -> switch (slip) {
      case NO_ARGUMENTS -> a("compare");
      case MISSING_PATH -> a("compare", s1.toString(), missing.toString());
      case FILE_FOR_FOLDER -> a("compare", file.toString(), file.toString());
      case FOLDER_FOR_FILE -> a("compare", profiling.toString(), profiling.toString());
      case EMPTY_FOLDER -> a("compare", empty.toString(), empty.toString());
      case UNKNOWN_FLAG -> a("compare", "--no-such-flag", s1.toString(), s2.toString());
      case TWO_SESSIONS -> a("compare", s1.toString(), s2.toString()); // not exported yet
    });
    for (String cmd : List.of("merge", "query")) {
      // merge OUT SESSION…, query SQL SESSION…: the first argument is not a path to read
      String first = cmd.equals("merge") ? tmp.resolve("merged").toString() : "SELECT 1";
      m.put(cmd, slip -> switch (slip) {
        case NO_ARGUMENTS -> a(cmd);
        case MISSING_PATH -> a(cmd, first, missing.toString());
        case FILE_FOR_FOLDER -> a(cmd, first, file.toString());
        case FOLDER_FOR_FILE -> a(cmd, first, profiling.toString()); // sessions in it, none exported
        case EMPTY_FOLDER -> a(cmd, first, empty.toString());
        case UNKNOWN_FLAG -> a(cmd, "--no-such-flag", first, s1.toString());
        case TWO_SESSIONS -> a(cmd, first, s1.toString()); // a session not exported yet
      });
    }
    m.put("help", slip -> slip == Slip.MISSING_PATH ? a("help", "no-such-command") : null);
    m.put("generate-completion", slip -> null); // picocli's: it takes no input, and ignores what it does not know
    m.put("", slip -> switch (slip) {
      case NO_ARGUMENTS -> null; // prints the usage, exit 0
      case UNKNOWN_FLAG -> a("--no-such-flag");
      case MISSING_PATH -> a("exprot", "x"); // a mistyped command
      default -> null;
    });
    return m;
  }

  @Test
  void everySubcommandIsInTheMatrix() {
    List<String> names = Main.all(Main.commandLine()).stream().map(Main::name).toList();
    assertThat(matrix().keySet()).containsExactlyInAnyOrderElementsOf(names);
  }

  @Test
  void everySlipIsOneLineWithADocumentedExitCodeAndNoStackTrace() {
    List<String> failures = new ArrayList<>();
    int cases = 0;
    for (var e : matrix().entrySet()) {
      int[] documented = CommandDocs.DOCS.get(e.getKey()).exitCodes();
      for (Slip slip : Slip.values()) {
        List<String> args = e.getValue().apply(slip);
        if (args == null) {
          continue;
        }
        cases++;
        Run r = Run.of(args.toArray(String[]::new));
        String label = slip + " " + String.join(" ", args) + " -> " + r.code() + ": " + r.err();
        List<String> lines = r.err().lines().toList();
        // "help X" is answered by profilemate itself: X is not one of its commands
        String prefix = (e.getKey().isEmpty() || e.getKey().equals("help") ? "profilemate" : e.getKey()) + ": ";
        if (r.code() == 0 || java.util.Arrays.stream(documented).noneMatch(c -> c == r.code())) {
          failures.add("exit code not a documented error: " + label);
        } else if (lines.size() != 1 || !lines.getFirst().startsWith(prefix)) {
          failures.add("stderr not one line starting '" + prefix + "': " + label);
        } else if (r.err().contains("Exception") || r.err().contains("\tat ")) {
          failures.add("stack trace or exception name: " + label);
        }
      }
    }
    assertThat(cases).isGreaterThan(35);
    assertThat(failures).isEmpty();
  }

  @Test
  void theKnownBadCasesSayWhatToDo() {
    Run demo = Run.of("demo", "--out", file.toString());
    assertThat(demo.code()).isEqualTo(1);
    assertThat(demo.err()).isEqualTo("demo: --out " + file + " is a file, not a folder; give a folder for the sessions"
        + " (made when absent)\n");
    Run report = Run.of("report", file.toString());
    assertThat(report.err()).contains(file + " is a file, not a folder; give a session_* folder");
    Run many = Run.of("report", profiling.toString());
    assertThat(many.err()).contains("holds 2 sessions", "session_20261201_110000 (the newest)");
    Run collect = Run.of("collect", empty.toString());
    assertThat(collect.code()).isEqualTo(1);
    assertThat(collect.err()).contains("VLLM_ENABLE_PROFILING=1");
  }

  @Test
  void anUnexpectedExceptionIsOneInternalErrorLineAndDebugAddsTheTrace() {
    CommandLine cl = new CommandLine(new Boom());
    cl.setExecutionExceptionHandler(Errors::failed);
    java.io.StringWriter err = new java.io.StringWriter();
    cl.setErr(new java.io.PrintWriter(err));
    assertThat(cl.execute()).isEqualTo(ExitCodes.INTERNAL);
    assertThat(err.toString()).isEqualTo(
        "profilemate: internal error: java.lang.IllegalStateException: boom; rerun with --debug for the stack trace\n");
    java.io.StringWriter debugErr = new java.io.StringWriter();
    cl.setErr(new java.io.PrintWriter(debugErr));
    cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("--debug").build());
    assertThat(cl.execute("--debug")).isEqualTo(ExitCodes.INTERNAL);
    assertThat(debugErr.toString()).contains("\tat ", "internal error");
  }

  @CommandLine.Command(name = "boom")
  static final class Boom implements Runnable {
    @Override
    public void run() {
      throw new IllegalStateException("boom");
    }
  }
}
