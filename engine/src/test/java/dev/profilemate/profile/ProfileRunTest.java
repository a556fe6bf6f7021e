package dev.profilemate.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.TestPaths;
import dev.profilemate.bench.BenchSettings;
import dev.profilemate.bench.Endpoint;
import dev.profilemate.bench.LengthDistribution;
import dev.profilemate.bench.PromptType;
import dev.profilemate.common.UserDataException;
import dev.profilemate.kernel.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole profile pipeline on this GPU-less machine, with STAND-INS for python/vLLM, nvidia-smi,
 * nsys and ncu ({@link StandInTools}): the orchestration is real (processes, /health, benchmark,
 * SIGINT, exports), and so are the analyses, which read the committed real nsys/ncu fixtures and
 * the probe's real spools.
 */
class ProfileRunTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void needsPython() {
    Assumptions.assumeTrue(StandInTools.realPython() != null, "the stand-in server runs under python3");
  }

  static ProfileSettings settings(Path out, ProfileMode mode, boolean withNcu, Duration startup, Duration grace) {
    BenchSettings bench = new BenchSettings(URI.create("http://127.0.0.1:1"), "m", Endpoint.COMPLETIONS, 6, null, 2,
        LengthDistribution.fixed(8), LengthDistribution.fixed(3), PromptType.TOKEN_IDS, 0, 60, true);
    return new ProfileSettings("stand-in/tiny-model", mode, withNcu, out, List.of("--max-model-len", "512"),
        VllmLaunch.freePort(), bench, startup, grace, Duration.ofMinutes(2), 5, 20, 2);
  }

  record Outcome(Path dir, String out, String err, Throwable error) {}

  static Outcome run(ProfileSettings s, Toolchain t) throws InterruptedException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    try {
      Path dir = new ProfileRun(s, t, new PrintWriter(out, true), new PrintWriter(err, true), dev.profilemate.cli.Main::new).run();
      return new Outcome(dir, out.toString(), err.toString(), null);
    } catch (UserDataException e) {
      return new Outcome(null, out.toString(), err.toString(), e);
    }
  }

  @Test
  void fullModeRunsEveryStepAndWritesTheReportWithKernelResults() throws Exception {
    Path root = Fixtures.outDir("profile-full");
    StandInTools tools = StandInTools.create(root, true, true, true);
    Path out = root.resolve("profiling_results_test");
    Outcome o = run(settings(out, ProfileMode.FULL, false, Duration.ofSeconds(60), Duration.ofSeconds(20)), tools.toolchain(Map.of()));
    assertThat(o.error()).as(o.out() + o.err()).isNull();
    Path dir = o.dir();
    assertThat(dir).isEqualTo(out.toAbsolutePath().normalize());
    for (String f : List.of("profile_report.html", "profile_summary.txt", "bench.json", "bench.txt", "vllm_server.log",
        "trace.nsys-rep", "trace.sqlite", "kernels/nsys.json", "kernels/nsys.txt", "kernels/nsys/kernels.csv",
        "ncu/kernels.ncu-rep", "ncu/kernels_raw.csv", "ncu/vllm_server.log", "ncu/bench.json", "kernels/ncu.json", "kernels/ncu.txt")) {
      assertThat(dir.resolve(f)).as(f).isRegularFile();
    }
    // the main run: under nsys, probe on PYTHONPATH, sessions in the results folder, exported by us
    List<String> nsysArgs = Files.readAllLines(tools.record.resolve("nsys_args.txt"));
    assertThat(nsysArgs).startsWith("profile", "--trace=cuda,nvtx", "--cuda-graph-trace=node")
        .contains("-o", dir.resolve("trace").toString(), "-m", "vllm.entrypoints.openai.api_server", "--model", "stand-in/tiny-model",
            "--max-model-len", "512");
    JsonNode main = JSON.readTree(tools.record.resolve("env_main.json").toFile());
    assertThat(main.path("env").path("PYTHONPATH").asText()).startsWith(TestPaths.repoRoot().resolve("probe").toString());
    assertThat(main.path("env").path("VLLM_PROFILING_DIR").asText()).isEqualTo(dir.resolve("sessions").toString());
    assertThat(main.path("env").path("PROFILEMATE_SIDECAR").asText()).isEqualTo("0");
    assertThat(Files.readString(dir.resolve("vllm_server.log"))).contains("SIGINT received", "stand-in vLLM: stopped");
    // the ncu run: top kernels of the nsys fixture, only between /start_profile and /stop_profile, probe off
    List<String> ncuArgs = Files.readAllLines(tools.record.resolve("ncu_args.txt"));
    assertThat(ncuArgs).contains("--profile-from-start", "off", "--kernel-name-base", "function", "--launch-count", "20",
        "--profiler-config", "{\"profiler\":\"cuda\"}");
    String regex = ncuArgs.get(ncuArgs.indexOf("--kernel-name") + 1);
    assertThat(regex).startsWith("regex:(").contains("elementwise_kernel");
    assertThat(regex.split("\\|")).hasSize(5);
    assertThat(Files.readAllLines(tools.record.resolve("profiler_calls.txt"))).containsExactly("/start_profile", "/stop_profile");
    JsonNode ncuEnv = JSON.readTree(tools.record.resolve("env_ncu.json").toFile());
    assertThat(ncuEnv.path("env").path("VLLM_ENABLE_PROFILING").asText()).isEqualTo("0");
    // results
    JsonNode bench = JSON.readTree(dir.resolve("bench.json").toFile());
    assertThat(bench.path("completed").asInt()).isEqualTo(6);
    assertThat(bench.path("total_output_tokens").asInt()).isEqualTo(18);
    assertThat(JSON.readTree(dir.resolve("ncu/bench.json").toFile()).path("completed").asInt()).isEqualTo(2);
    assertThat(JSON.readTree(dir.resolve("kernels/nsys.json").toFile()).path("totals").path("kernelInstances").asInt()).isEqualTo(1759);
    assertThat(JSON.readTree(dir.resolve("kernels/ncu.json").toFile()).path("kernels").size()).isPositive();
    Path session = ProfileRun.latestSession(dir.resolve("sessions"));
    assertThat(session.resolve("metadata.json")).isRegularFile();
    // the report carries the nsys and ncu results of this run, not only the session
    assertThat(Files.readString(dir.resolve("profile_report.html"))).contains("<html", "id=\"gpu-kernels\"", "id=\"kernel-roofline\"");
    String summary = Files.readString(dir.resolve("profile_summary.txt"));
    assertThat(summary).contains("vLLM 0.0.0+standin", "NVIDIA H200 (stand-in)").doesNotContain("Problems:");
    assertThat(o.out()).contains("[1] starting vLLM under nsys", "waiting for http://127.0.0.1:", "stopping vLLM",
        "starting vLLM under ncu for 5 top kernels", "Successful requests:");
  }

  @Test
  void moeModeRunsWithoutNsightAndTurnsMoeTrackingOn() throws Exception {
    Path root = Fixtures.outDir("profile-moe");
    StandInTools tools = StandInTools.create(root, true, false, false);
    Outcome o = run(settings(root.resolve("results"), ProfileMode.MOE, false, Duration.ofSeconds(60), Duration.ofSeconds(20)),
        tools.toolchain(Map.of()));
    assertThat(o.error()).as(o.out() + o.err()).isNull();
    JsonNode main = JSON.readTree(tools.record.resolve("env_main.json").toFile());
    assertThat(main.path("env").path("ENABLE_MOE_EXPERT_TRACKING").asText()).isEqualTo("1");
    assertThat(main.path("argv").get(0).asText()).isEqualTo("-m");
    assertThat(o.dir().resolve("profile_report.html")).isRegularFile();
    assertThat(o.dir().resolve("trace.nsys-rep")).doesNotExist();
    assertThat(tools.record.resolve("nsys_args.txt")).doesNotExist();
    assertThat(Files.readString(o.dir().resolve("profile_summary.txt"))).doesNotContain("kernel results");
  }

  @Test
  void aServerThatDiesWhileStartingFailsFastWithTheEndOfItsLog() throws Exception {
    Path root = Fixtures.outDir("profile-dies");
    StandInTools tools = StandInTools.create(root, true, true, false);
    long t0 = System.nanoTime();
    Outcome o = run(settings(root.resolve("results"), ProfileMode.QUICK, false, Duration.ofSeconds(120), Duration.ofSeconds(5)),
        tools.toolchain(Map.of("STANDIN_BEHAVIOUR", "die")));
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
    assertThat(o.error()).hasMessageStartingWith("vLLM exited (status 3) before it answered http://127.0.0.1:")
        .hasMessageContaining("vllm_server.log");
    assertThat(o.out()).contains("---- last lines of", "RuntimeError: CUDA out of memory (stand-in)");
    assertThat(root.resolve("results/profile_summary.txt")).isRegularFile();
  }

  @Test
  void aServerThatNeverAnswersHealthIsStoppedAfterTheStartupTimeout() throws Exception {
    Path root = Fixtures.outDir("profile-unhealthy");
    StandInTools tools = StandInTools.create(root, true, false, false);
    Outcome o = run(settings(root.resolve("results"), ProfileMode.MOE, false, Duration.ofSeconds(3), Duration.ofSeconds(5)),
        tools.toolchain(Map.of("STANDIN_BEHAVIOUR", "never-healthy")));
    assertThat(o.error()).hasMessageContaining("did not answer").hasMessageContaining("within 3 s").hasMessageContaining("it was stopped");
    long pid = JSON.readTree(tools.record.resolve("env_main.json").toFile()).path("pid").asLong();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(Files.readString(root.resolve("results/vllm_server.log"))).contains("SIGINT received");
  }

  @Test
  void aServerThatIgnoresSigintGetsSigtermAfterTheGracePeriod() throws Exception {
    Path root = Fixtures.outDir("profile-sigterm");
    StandInTools tools = StandInTools.create(root, true, false, false);
    Outcome o = run(settings(root.resolve("results"), ProfileMode.MOE, false, Duration.ofSeconds(60), Duration.ofSeconds(2)),
        tools.toolchain(Map.of("STANDIN_BEHAVIOUR", "ignore-sigint")));
    assertThat(o.error()).as(o.out() + o.err()).isNull();
    assertThat(o.out()).contains("sending SIGINT to vLLM", "still running 2 s after SIGINT: sending SIGTERM");
    long pid = JSON.readTree(tools.record.resolve("env_main.json").toFile()).path("pid").asLong();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void withoutAProbeSessionTheRunSaysWhyThereIsNoReport() throws Exception {
    Path root = Fixtures.outDir("profile-nosession");
    StandInTools tools = StandInTools.create(root, true, false, false);
    Outcome o = run(settings(root.resolve("results"), ProfileMode.MOE, false, Duration.ofSeconds(60), Duration.ofSeconds(20)),
        tools.toolchain(Map.of("STANDIN_SESSION_FIXTURE", "")));
    assertThat(o.error()).hasMessageContaining("finished with 1 problem(s), first: no probe session under");
    assertThat(o.err()).contains("problem: no probe session");
    assertThat(root.resolve("results/bench.json")).isRegularFile();
    assertThat(Files.readString(root.resolve("results/profile_summary.txt"))).contains("Problems:", "[sitecustomize]");
  }
}
