package dev.profilemate.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The examples and exit codes shown at the end of each command's --help. Kept in one table (and
 * appended by {@link Main}) so that a command added to the CLI without them fails
 * CliConventionsTest instead of shipping a bare usage message; the commands in export, kernel,
 * bench and profile need not know the CLI's exit-code scheme.
 */
final class CommandDocs {
  private CommandDocs() {}

  record Doc(List<String> examples, int[] exitCodes) {}

  private static Doc doc(int[] codes, String... examples) {
    return new Doc(List.of(examples), codes);
  }

  private static final int[] READ = {0, 1, 2, 4};
  private static final int[] EXPORT = {0, 1, 2, 3, 4};

  /** Keyed by the command's name under profilemate ("" for profilemate itself). */
  static final Map<String, Doc> DOCS = Map.ofEntries(
      Map.entry("", doc(EXPORT,
          "profilemate demo --out /tmp/pm         # a workload on the real scheduler",
          "profilemate export /tmp/vllm_profiling/session_20261129_101500",
          "profilemate doctor                     # which probe targets attach",
          "profilemate report SESSION --gpu H200  # the HTML report of a session",
          "profilemate compare BEFORE AFTER       # did my change help?",
          "profilemate nsys report.sqlite         # kernel time by category",
          "profilemate help report                # the options of one command")),
      Map.entry("export", doc(EXPORT,
          "profilemate export /tmp/vllm_profiling/session_20261129_101500",
          "profilemate export /tmp/vllm_profiling/session_*   # each in turn",
          "profilemate export SESSION --out /tmp/copy --strict # fail on damage",
          "profilemate export SESSION --otlp http://127.0.0.1:4318  # spans + metrics",
          "profilemate export SESSION --trigger kv_usage:threshold=90 --trigger ttft:off",
          "profilemate export SESSION/captures/kv_usage-63.512  # a kept window",
          "profilemate export SESSION --format parquet  # + SESSION/parquet/")),
      Map.entry("merge", doc(READ,
          "profilemate merge /data/fleet node1/session_A node2/session_B",
          "profilemate merge /data/fleet /mnt/node*/vllm_profiling",
          "profilemate merge /data/fleet /data/node3-dataset  # a dataset too")),
      Map.entry("query", doc(READ,
          "profilemate query \"SELECT phase, count(*) FROM batch_utilization \\",
          "    GROUP BY ALL\" SESSION",
          "profilemate query \"SELECT * FROM sessions\" /data/fleet --json",
          "profilemate query \"DESCRIBE forward_pass_timing\" SESSION  # types")),
      Map.entry("collect", doc(EXPORT,
          "profilemate collect /tmp/vllm_profiling/session_20261129_101500 --pid 4242",
          "profilemate collect SESSION --interval 10 --max-wait 3600",
          "profilemate collect SESSION --metrics-port 9464  # live /metrics (docs/live-metrics.md)",
          "profilemate collect SESSION --profile-url http://127.0.0.1:8000",
          "profilemate collect SESSION --trigger off   # no triggered captures",
          "VLLM_PROFILING_OTLP_ENDPOINT=http://127.0.0.1:4318 vllm serve MODEL  # live OTLP")),
      Map.entry("doctor", doc(READ,
          "profilemate doctor",
          "profilemate doctor --strict && vllm serve MODEL  # stop if one is missing",
          "PROFILEMATE_PYTHON=/opt/venv/bin/python profilemate doctor --json")),
      Map.entry("demo", doc(READ,
          "profilemate demo",
          "profilemate demo --out /tmp/pm-demo && ls /tmp/pm-demo/session_*/",
          "profilemate demo --variant queue       # why TTFT is high: queue wait")),
      Map.entry("report", doc(READ,
          "profilemate report /tmp/vllm_profiling/session_20261129_101500",
          "profilemate report SESSION --gpu H200 --out /tmp/report.html",
          "profilemate report SESSION --nsys run.sqlite --ncu kernels.csv",
          "profilemate report /tmp/vllm_profiling/session_*   # one report each")),
      Map.entry("compare", doc(new int[] {0, 1, 2, 4, 5},
          "profilemate compare BEFORE AFTER                  # did my change help?",
          "profilemate compare A B --fail-on-regression ttft_p99_ms=10  # for CI",
          "profilemate compare s8 s16 s32 s64 --sweep max_num_seqs --html sweep.html")),
      Map.entry("timeline", doc(EXPORT,
          "profilemate timeline /tmp/vllm_profiling/session_20261129_101500",
          "profilemate timeline SESSION --from 60 --to 90   # seconds 60-90 only",
          "profilemate timeline SESSION --out /tmp/run.perfetto-trace")),
      Map.entry("nsys", doc(READ,
          "nsys export --type sqlite run.nsys-rep && profilemate nsys run.sqlite",
          "profilemate nsys run.sqlite --json kernels.json --csv-dir kernels/")),
      Map.entry("ncu", doc(READ,
          "profilemate ncu kernels.csv --gpu \"H100 SXM\"   # ncu --csv --page raw > kernels.csv",
          "profilemate ncu kernels.csv.gz --json ncu.json --top 30")),
      Map.entry("trace", doc(READ,
          "profilemate trace /tmp/traces/rank0.pt.trace.json.gz",
          "profilemate trace trace.json --csv-dir kernels/ --top 30")),
      Map.entry("bench", doc(READ,
          "profilemate bench --base-url http://127.0.0.1:8000 --model Qwen/Qwen3-0.6B",
          "profilemate bench --base-url http://h:8000 --model M --request-rate 20 \\",
          "    --num-prompts 500 --json out.json")),
      Map.entry("profile", doc(READ,
          "profilemate profile --model Qwen/Qwen3-0.6B",
          "profilemate profile --model M --mode full --output-dir /tmp/run1 \\",
          "    --vllm-args \"--max-model-len 4096\"")),
      Map.entry("help", doc(new int[] {0, 2},
          "profilemate help",
          "profilemate help report")),
      Map.entry("generate-completion", doc(new int[] {0, 4},
          "source <(profilemate generate-completion)                  # bash",
          "autoload -U +X compinit && compinit",
          "autoload -U +X bashcompinit && bashcompinit",
          "source <(profilemate generate-completion)                  # zsh")));

  /** The footer lines for a command: its examples, then its exit codes. */
  static List<String> footer(String name) {
    Doc d = DOCS.get(name);
    if (d == null) {
      return List.of(); // CliConventionsTest fails on this; at run time a bare usage beats a crash
    }
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add("Examples:");
    d.examples().forEach(e -> lines.add("  " + e));
    lines.addAll(ExitCodes.section(d.exitCodes()));
    return lines;
  }
}
