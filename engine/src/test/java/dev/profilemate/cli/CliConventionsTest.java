package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command, enumerated from the command model so that a new one cannot be forgotten, has
 * --help and "help CMD": a purpose, every option described, examples and its exit codes.
 */
class CliConventionsTest {

  static List<String[]> commandPaths() {
    List<String[]> paths = new ArrayList<>();
    for (CommandLine c : Main.all(Main.commandLine())) {
      String name = Main.name(c);
      paths.add(name.isEmpty() ? new String[0] : name.split(" "));
    }
    return paths;
  }

  @Test
  void everyCommandHasHelpWithExamplesAndExitCodes() {
    List<String[]> paths = commandPaths();
    assertThat(paths).hasSizeGreaterThanOrEqualTo(13); // profilemate, its 10 verbs, help, generate-completion
    for (String[] path : paths) {
      String label = "profilemate " + String.join(" ", path);
      List<String> args = new ArrayList<>(List.of(path));
      args.add("--help");
      Run r = Run.of(args.toArray(String[]::new));
      assertThat(r.code()).as(label + " --help").isZero();
      assertThat(r.out()).as(label + " --help").contains("Usage: profilemate", "Examples:", "Exit codes", "  0  ok");
      Matcher example = Pattern.compile("(?m)^  profilemate|^  (source|autoload|nsys|ncu) ").matcher(
          r.out().substring(r.out().indexOf("Examples:")));
      assertThat(example.find()).as(label + ": an example line").isTrue();
      if (path.length > 0 && !path[0].equals("help")) {
        List<String> help = new ArrayList<>(List.of("help"));
        help.addAll(List.of(path));
        assertThat(Run.of(help.toArray(String[]::new)).out()).as("profilemate help " + String.join(" ", path))
            .isEqualTo(r.out());
      }
    }
  }

  @Test
  void everyCommandHasAPurposeAndEveryOptionADescription() {
    for (CommandLine c : Main.all(Main.commandLine())) {
      var spec = c.getCommandSpec();
      assertThat(String.join(" ", spec.usageMessage().description())).as(spec.qualifiedName() + " purpose").isNotBlank();
      for (OptionSpec o : spec.options()) {
        assertThat(String.join(" ", o.description())).as(spec.qualifiedName() + " " + o.longestName()).isNotBlank();
      }
      for (var p : spec.positionalParameters()) {
        assertThat(String.join(" ", p.description())).as(spec.qualifiedName() + " " + p.paramLabel()).isNotBlank();
      }
      assertThat(CommandDocs.DOCS).as("CommandDocs entry for " + spec.qualifiedName()).containsKey(Main.name(c));
    }
  }

  @Test
  void versionNamesEngineProbeSpoolFormatAndVllm() throws Exception {
    Run r = Run.of("--version");
    assertThat(r.code()).isZero();
    String declared = Files.readString(Path.of(System.getProperty("profilemate.repoRoot", ".."),
        "probe/profilemate_probe/versions.properties"));
    Matcher release = Pattern.compile("(?m)^release=(\\S+)").matcher(declared);
    Matcher spool = Pattern.compile("(?m)^spool=(\\S+)").matcher(declared);
    assertThat(release.find()).isTrue();
    assertThat(spool.find()).isTrue();
    assertThat(r.out()).startsWith("profilemate " + release.group(1) + "\n")
        .contains("probe:        " + release.group(1) + ", writes spool format " + spool.group(1))
        .containsPattern("spool format: engine reads 1\\.0 to " + Pattern.quote(spool.group(1)) + " .*record schema \\d+")
        .contains("vLLM:");
    assertThat(Run.of("export", "--version").out()).isEqualTo(r.out());
  }

  @Test
  void generatedCompletionLoadsInBashAndCompletesSubcommands(@TempDir Path tmp) throws Exception {
    Run r = Run.of("generate-completion");
    assertThat(r.code()).isZero();
    Path script = tmp.resolve("profilemate.bash");
    Files.writeString(script, r.out());
    String probe = "source '" + script + "' || exit 9\n"
        + "complete -p profilemate >/dev/null || exit 8\n"
        + "COMP_WORDS=(profilemate ex); COMP_CWORD=1; COMP_LINE='profilemate ex'; COMP_POINT=14\n"
        + "_complete_profilemate; echo \"1:${COMPREPLY[*]}\"\n"
        + "COMP_WORDS=(profilemate ''); COMP_CWORD=1; COMP_LINE='profilemate '; COMP_POINT=12\n"
        + "_complete_profilemate; echo \"2:${COMPREPLY[*]}\"\n"
        + "COMP_WORDS=(profilemate report --g); COMP_CWORD=2; COMP_LINE='profilemate report --g'; COMP_POINT=22\n"
        + "_complete_profilemate; echo \"3:${COMPREPLY[*]}\"\n";
    Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", probe).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("1:export\n").contains("--gpu");
    assertThat(out.lines().filter(l -> l.startsWith("2:")).findFirst().orElseThrow())
        .contains("export", "collect", "doctor", "demo", "report", "nsys", "ncu", "trace", "bench", "profile", "help");
  }
}
