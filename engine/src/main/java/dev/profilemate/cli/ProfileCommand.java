package dev.profilemate.cli;

import dev.profilemate.bench.BenchSettings;
import dev.profilemate.bench.LoadOptions;
import dev.profilemate.profile.ProfileMode;
import dev.profilemate.profile.ProfileRun;
import dev.profilemate.profile.ProfileSettings;
import dev.profilemate.profile.ShellWords;
import dev.profilemate.profile.Toolchain;
import dev.profilemate.profile.VllmLaunch;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code profilemate profile --model M --mode quick|full|moe ...}: SPEC §3's automated profile run. */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    description = {
      "Start vLLM with the probe (under nsys for quick/full), wait for /health, drive load with the built-in benchmark,",
      "stop it cleanly, run the nsys/ncu analyses and write profiling_results_<timestamp>/profile_report.html.",
      "Checks first that vLLM, an NVIDIA GPU, nsys (quick, full) and ncu (full, --with-ncu) are there.",
      "Load: --max-concurrency 32 unless --request-rate or --max-concurrency is given."
    })
final class ProfileCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "M", description = "the model to serve (as vllm serve's --model)")
  String model;

  @Option(names = "--mode", paramLabel = "quick|full|moe", defaultValue = "quick", converter = ModeConverter.class,
      description = "quick: nsys; full: nsys + ncu on the top kernels; moe: no Nsight, MoE expert tracking, longer run (default ${DEFAULT-VALUE})")
  ProfileMode mode;

  @Option(names = "--with-ncu", description = "add the Nsight Compute pass in quick or moe mode")
  boolean withNcu;

  @Option(names = "--output-dir", paramLabel = "D", description = "results folder, new or empty (default ./profiling_results_<timestamp>)")
  Path outputDir;

  @Option(names = "--vllm-args", paramLabel = "\"ARGS\"", defaultValue = "",
      description = "more vLLM server arguments, one shell-quoted string, e.g. \"--max-model-len 4096 --enforce-eager\"")
  String vllmArgs;

  @Option(names = "--port", paramLabel = "P", description = "port for the server (default: a free one)")
  Integer port;

  @Option(names = "--startup-timeout", paramLabel = "S", defaultValue = "1200",
      description = "seconds to wait for /health (default ${DEFAULT-VALUE})")
  long startupTimeoutS;

  @Option(names = "--stop-timeout", paramLabel = "S", defaultValue = "60",
      description = "seconds between SIGINT and SIGTERM when stopping vLLM (default ${DEFAULT-VALUE})")
  long stopGraceS;

  @Option(names = "--top-kernels", paramLabel = "K", defaultValue = "10",
      description = "ncu pass: profile the K kernels with the most time in the nsys pass (default ${DEFAULT-VALUE})")
  int topKernels;

  @Option(names = "--ncu-launch-count", paramLabel = "N", defaultValue = "100",
      description = "ncu pass: kernel launches to profile (default ${DEFAULT-VALUE})")
  int ncuLaunchCount;

  @Option(names = "--ncu-prompts", paramLabel = "N", defaultValue = "8",
      description = "ncu pass: benchmark requests while ncu profiles (default ${DEFAULT-VALUE})")
  int ncuPrompts;

  @Mixin LoadOptions load;

  static final int DEFAULT_CONCURRENCY = 32;

  @Override
  public Integer call() throws InterruptedException {
    List<String> extra = parseVllmArgs();
    if (startupTimeoutS < 1 || stopGraceS < 1) {
      throw new ParameterException(spec.commandLine(), "--startup-timeout and --stop-timeout must be at least 1 second");
    }
    if (topKernels < 1 || ncuLaunchCount < 1 || ncuPrompts < 1) {
      throw new ParameterException(spec.commandLine(), "--top-kernels, --ncu-launch-count and --ncu-prompts must be at least 1");
    }
    if (port != null && (port < 1 || port > 65535)) {
      throw new ParameterException(spec.commandLine(), "--port must be 1-65535");
    }
    BenchSettings bench = load.settings(spec, URI.create("http://127.0.0.1:8000"), model, mode.defaultNumPrompts(), DEFAULT_CONCURRENCY);
    ProfileSettings settings = new ProfileSettings(model, mode, withNcu,
        outputDir != null ? outputDir : ProfileRun.defaultOutputDir(), extra,
        port != null ? port : VllmLaunch.freePort(), bench,
        Duration.ofSeconds(startupTimeoutS), Duration.ofSeconds(stopGraceS), Duration.ofMinutes(30),
        topKernels, ncuLaunchCount, ncuPrompts);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = new ProfileRun(settings, Toolchain.fromEnvironment(PythonEnv.python(), PythonEnv.home()), out, err, Main::new).run();
    out.println("report: " + dir.resolve("profile_report.html"));
    out.flush();
    return 0;
  }

  private List<String> parseVllmArgs() {
    List<String> words;
    try {
      words = ShellWords.split(vllmArgs);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--vllm-args: " + e.getMessage());
    }
    for (String w : words) {
      if (w.equals("--model") || w.startsWith("--model=")) {
        throw new ParameterException(spec.commandLine(), "--vllm-args must not set --model; use profilemate's --model");
      }
    }
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      String value = w.startsWith("--port=") ? w.substring(7) : w.equals("--port") && i + 1 < words.size() ? words.get(i + 1) : null;
      if (value != null && !value.matches("\\d{1,5}")) {
        throw new ParameterException(spec.commandLine(), "--vllm-args: --port needs a number, got '" + value + "'");
      }
    }
    return words;
  }

  static final class ModeConverter implements picocli.CommandLine.ITypeConverter<ProfileMode> {
    @Override
    public ProfileMode convert(String value) {
      return ProfileMode.parse(value);
    }
  }
}
