package dev.profilemate.cli;

import dev.profilemate.common.UserDataException;
import dev.profilemate.compare.CompareRun;
import dev.profilemate.compare.RegressionLimit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "compare",
    description = "Did my change help? Compare exported sessions with the first (the baseline): per metric (TTFT, "
        + "TPOT, E2E latency, queue wait, throughput, preemptions, batch fill, KV usage, forward-pass time) the change "
        + "with a bootstrap 95 % interval, largest first, after checking the sessions are comparable (model, vLLM, "
        + "GPU, workload shape). With --sweep, N sessions in the order of one engine setting.")
final class CompareCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "2..*", paramLabel = "SESSION", description = "exported session folders; the first is the baseline")
  List<Path> sessions = new ArrayList<>();

  @Option(names = "--sweep", paramLabel = "SETTING",
      description = "order the sessions by this engine setting of metadata.json (e.g. max_num_seqs); the smallest is the baseline")
  String sweep;

  @Option(names = "--fail-on-regression", paramLabel = "METRIC=PCT",
      description = "exit 5 when METRIC got worse by more than PCT percent and its interval leaves out no change "
          + "(repeatable; e.g. ttft_p99_ms=10, output_tokens_per_s=5)")
  List<String> failOn = new ArrayList<>();

  @Option(names = "--json", paramLabel = "FILE", description = "also write the comparison as JSON")
  Path json;

  @Option(names = "--html", paramLabel = "FILE", description = "also write an HTML page (tables; a chart per metric across 3+ sessions)")
  Path html;

  @Option(names = "--resamples", paramLabel = "N", description = "bootstrap resamples (default: ${DEFAULT-VALUE})")
  int resamples = CompareRun.DEFAULT_RESAMPLES;

  @Option(names = "--seed", paramLabel = "N", description = "bootstrap seed: the same sessions and seed give the same intervals (default: ${DEFAULT-VALUE})")
  long seed = CompareRun.DEFAULT_SEED;

  @Override
  public Integer call() {
    List<RegressionLimit> limits = new ArrayList<>();
    for (String f : failOn) {
      try {
        limits.add(RegressionLimit.parse(f));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--fail-on-regression: " + e.getMessage());
      }
    }
    if (resamples < 100) {
      throw new ParameterException(spec.commandLine(), "--resamples must be 100 or more, not " + resamples);
    }
    sessions.forEach(SessionArgs::exported);
    CompareRun r;
    try {
      r = CompareRun.run(sessions, new CompareRun.Options(sweep, json, html, limits, resamples, seed));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    } catch (IOException e) {
      throw new UserDataException(e.getMessage(), e);
    }
    System.out.print(r.text());
    r.written().forEach(p -> System.out.println("wrote " + p));
    r.regressions().forEach(System.err::println);
    return r.regressions().isEmpty() ? ExitCodes.OK : ExitCodes.REGRESSION;
  }
}
