package dev.profilemate.cli;

import dev.profilemate.aggregate.CaptureSettings;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The --trigger option export and collect share: the triggered-capture rules (docs/triggered-capture.md). */
final class TriggerOptions {
  @Option(names = "--trigger", paramLabel = "RULE[:K=V,...]",
      description = "a triggered-capture rule's setting (repeatable): off | RULE:off | RULE:on | RULE:KEY=VALUE,... | "
          + "capture:before=S,after=S. Rules and defaults: step_time:window=30,baseline=600,factor=2,min_steps=100,"
          + "min_baseline_steps=1000; kv_usage:threshold=95,rearm=90; preemption_burst:count=10,window=10; "
          + "ttft:window=30,baseline=600,factor=2,min_requests=20,min_baseline_requests=100; "
          + "capture:before=30,after=30. $VLLM_PROFILING_TRIGGERS (';'-separated) comes first (docs/triggered-capture.md)")
  List<String> triggers = new ArrayList<>();

  /** Read before the flags, so a collector the probe starts beside vLLM takes the operator's rules. */
  static final String ENV = "VLLM_PROFILING_TRIGGERS";

  /** The settings ($VLLM_PROFILING_TRIGGERS, ';'-separated, then the flags), or a usage error (exit 2). */
  CaptureSettings settings(CommandSpec spec) {
    List<String> all = new ArrayList<>();
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      for (String s : env.split(";")) {
        if (!s.isBlank()) {
          all.add(s.strip());
        }
      }
    }
    all.addAll(triggers);
    try {
      return CaptureSettings.parse(all);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
