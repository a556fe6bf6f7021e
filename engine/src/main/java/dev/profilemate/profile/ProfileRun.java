package dev.profilemate.profile;

import dev.profilemate.bench.BenchJson;
import dev.profilemate.bench.BenchResult;
import dev.profilemate.bench.BenchSettings;
import dev.profilemate.bench.BenchText;
import dev.profilemate.bench.LoadGenerator;
import dev.profilemate.common.PrivateFiles;
import dev.profilemate.common.UserDataException;
import dev.profilemate.report.KernelInputs;
import dev.profilemate.report.ReportWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * SPEC §3's pipeline: preflight; vLLM with the probe (under nsys for quick/full); wait for
 * /health; the built-in benchmark; a clean stop; nsys export and analysis; for full/--with-ncu a
 * second short run under ncu on the top kernels; the session export; profile_report.html.
 * Analyses that fail are reported at the end; the files that could be written are kept.
 */
public final class ProfileRun {
  public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");

  private final ProfileSettings s;
  private final Toolchain tools;
  private final EngineStep engine;
  private final PrintWriter out;
  private final PrintWriter err;
  private final ProfileSummary summary = new ProfileSummary();
  private int step;

  /** engineCommands: the engine's top command (the CLI's Main), which runs export, nsys and ncu here. */
  public ProfileRun(ProfileSettings settings, Toolchain tools, PrintWriter out, PrintWriter err,
      Supplier<Object> engineCommands) {
    this.engine = new EngineStep(engineCommands);
    this.s = settings;
    this.tools = tools;
    this.out = out;
    this.err = err;
  }

  public static Path defaultOutputDir() {
    return Path.of("profiling_results_" + LocalDateTime.now().format(STAMP));
  }

  /** Runs everything; returns the results folder. Throws UserDataException (exit 1) for a missing piece or failed step. */
  public Path run() throws InterruptedException {
    Path dir = checkOutputDir(s.outputDir());
    Preflight.Report pf = new Preflight(tools).run(s.mode(), s.withNcu());
    String asked = "--mode " + s.mode().label() + (s.withNcu() ? " --with-ncu" : "");
    if (!pf.ok()) {
      err.println("preflight for " + asked + ":");
      err.print(pf.render());
      err.flush();
      throw new UserDataException("cannot start: missing " + pf.missing().stream().map(Preflight.Check::piece)
          .collect(Collectors.joining(", ")) + " (nothing was started)");
    }
    out.println("preflight for " + asked + ":");
    out.print(pf.render());
    create(dir);
    out.println("results: " + dir);
    out.flush();
    summary.header("ProfileMate profile run, " + LocalDateTime.now().withNano(0));
    summary.header("model: " + s.model() + "   mode: " + asked);
    summary.header("vLLM " + pf.vllmVersion() + " under " + tools.python() + "; GPU: " + pf.gpuName());
    try {
      runAll(dir);
    } finally {
      try {
        summary.write(dir.resolve("profile_summary.txt"));
      } catch (IOException e) {
        err.println("cannot write " + dir.resolve("profile_summary.txt") + ": " + e.getMessage());
      }
    }
    out.println();
    summary.notes().forEach(n -> out.println("note: " + n));
    out.println("summary: " + dir.resolve("profile_summary.txt"));
    out.flush();
    if (!summary.problems().isEmpty()) {
      summary.problems().forEach(p -> err.println("problem: " + p));
      err.flush();
      throw new UserDataException("finished with " + summary.problems().size() + " problem(s), first: "
          + summary.problems().get(0) + " (results kept in " + dir + ")");
    }
    return dir;
  }

  private void runAll(Path dir) throws InterruptedException {
    VllmLaunch launch = new VllmLaunch(tools.python(), s.model(), s.vllmArgs(), s.port());
    BenchSettings bench = s.bench().withBaseUrl(launch.baseUrl()).withModel(launch.servedModelName());
    List<String> server = launch.command(List.of());
    List<String> cmd = s.mode().usesNsys() ? NsysPass.command(tools.which("nsys").orElseThrow(), dir, server) : server;
    Map<String, String> env = new HashMap<>();
    env.put("VLLM_PROFILING_DIR", dir.resolve("sessions").toString());
    env.put("PROFILEMATE_SIDECAR", "0"); // the session is exported below, once vLLM has exited
    env.put("PROFILEMATE_NVTX", "1"); // per-step phase ranges for the nsys prefill/decode breakup
    if (s.mode() == ProfileMode.MOE) {
      env.put("ENABLE_MOE_EXPERT_TRACKING", "1");
    }
    Path log = dir.resolve("vllm_server.log");
    step("starting vLLM" + (s.mode().usesNsys() ? " under nsys" : "") + " (log: " + log + ")");
    summary.ran(cmd);
    summary.file("vllm_server.log", "the server's output" + (s.mode().usesNsys() ? " (and nsys's)" : ""));
    BenchResult main = serveAndBench(cmd, s.mode().usesNsys(), tools.childEnv(env), log, bench, null);
    writeBench(dir, "bench", main, "the benchmark's results (vllm bench serve key names)");

    if (s.mode().usesNsys()) {
      step("nsys export --type sqlite, then profilemate nsys");
      String problem = NsysPass.export(tools.which("nsys").orElseThrow(), dir, tools.childEnv(Map.of()));
      if (problem != null) {
        summary.problem(problem);
      } else {
        summary.file("trace.nsys-rep, trace.sqlite", "the Nsight Systems trace and its SQLite export");
        analysis("profilemate nsys", NsysPass.analyze(engine, dir), "kernels/nsys.txt, nsys.json, nsys/",
            "kernel time by kernel, category and phase; CUDA-graph coverage; GPU idle gaps");
      }
    }
    if (s.mode().usesNcu(s.withNcu())) {
      ncuPass(dir, launch, bench);
    }
    sessionAndReport(dir);
  }

  private void ncuPass(Path dir, VllmLaunch launch, BenchSettings bench) throws InterruptedException {
    Path nsysJson = dir.resolve("kernels/nsys.json");
    List<String> kernels = List.of();
    if (Files.isRegularFile(nsysJson)) {
      try {
        kernels = NcuPass.topKernels(nsysJson, s.topKernels());
      } catch (IOException e) {
        summary.problem("cannot read " + nsysJson + ": " + e.getMessage());
      }
    } else {
      summary.note("no nsys results to pick kernels from: ncu profiled the first " + s.ncuLaunchCount()
          + " kernel launches after /start_profile, whatever they were");
    }
    Path ncuDir = NcuPass.dir(dir);
    try {
      PrivateFiles.folder(ncuDir);
    } catch (IOException e) {
      summary.problem("cannot create " + ncuDir + ": " + e.getMessage());
      return;
    }
    List<String> cmd = NcuPass.command(tools.which("ncu").orElseThrow(), dir, kernels, s.ncuLaunchCount(),
        launch.command(NcuPass.serverArgs(launch)));
    Path log = ncuDir.resolve("vllm_server.log");
    step("starting vLLM under ncu for " + (kernels.isEmpty() ? "the first kernels" : kernels.size() + " top kernels")
        + " (log: " + log + ")");
    summary.ran(cmd);
    Map<String, String> env = tools.childEnv(Map.of("VLLM_ENABLE_PROFILING", "0"));
    BenchResult r = serveAndBench(cmd, true, env, log, bench.withNumPrompts(s.ncuPrompts()), server -> {
      int status = server.post("/start_profile", Duration.ofMinutes(10));
      if (status != 200) {
        summary.problem("POST /start_profile answered " + (status < 0 ? "nothing" : "HTTP " + status)
            + ": ncu only profiles between /start_profile and /stop_profile (vLLM 0.13+ with --profiler-config)");
      }
    });
    writeBench(dir, "ncu/bench", r, "the short benchmark of the ncu run (slowed by ncu: not a latency measurement)");
    step("ncu --import --csv --page raw, then profilemate ncu");
    String problem = NcuPass.exportCsv(tools.which("ncu").orElseThrow(), dir, tools.childEnv(Map.of()));
    if (problem != null) {
      summary.problem(problem);
      return;
    }
    summary.file("ncu/kernels.ncu-rep", "the Nsight Compute report (kernels_raw.csv: its raw page)");
    analysis("profilemate ncu", NcuPass.analyze(engine, dir), "kernels/ncu.txt, ncu.json, ncu/",
        "achieved DRAM bandwidth and compute throughput vs the GPU's peaks, roofline position");
  }

  interface BeforeBench {
    void accept(VllmServer server) throws InterruptedException;
  }

  private BenchResult serveAndBench(List<String> cmd, boolean underProfiler, Map<String, String> env, Path log,
      BenchSettings bench, BeforeBench before) throws InterruptedException {
    try (VllmServer server = VllmServer.start(cmd, underProfiler, env, log, bench.baseUrl(), out)) {
      Thread hook = new Thread(server::close, "profilemate-stop-vllm");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        long t0 = System.nanoTime();
        step("waiting for " + server.baseUrl() + "/health (up to " + s.startupTimeout().toSeconds() + " s)");
        server.waitUntilHealthy(s.startupTimeout(), s.stopGrace());
        out.printf("  vLLM answered after %.0f s%n", (System.nanoTime() - t0) / 1e9);
        if (before != null) {
          before.accept(server);
        }
        step("profilemate bench: " + bench.numPrompts() + " requests (" + bench.loadLabel() + ")");
        BenchResult r = new LoadGenerator(bench).run();
        out.print(BenchText.render(r));
        if (!server.isRunning()) {
          summary.problem("vLLM exited during the benchmark (see " + log + ")");
          server.showTail();
        }
        if (before != null) {
          server.post("/stop_profile", Duration.ofMinutes(30));
        }
        step("stopping vLLM");
        int exit = server.stop(s.stopGrace(), s.finalizeTimeout());
        out.println("  stopped (exit status " + exit + ")");
        summary.ran("stopped with SIGINT (exit status " + exit + ")");
        return r;
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // the JVM is already shutting down: the hook runs
        }
      }
    }
  }

  private void writeBench(Path dir, String name, BenchResult r, String description) {
    BenchJson.write(dir.resolve(name + ".json"), r);
    try {
      PrivateFiles.writeString(dir.resolve(name + ".txt"), BenchText.render(r));
    } catch (IOException e) {
      summary.problem("cannot write " + name + ".txt: " + e.getMessage());
    }
    summary.file(name + ".json, " + name + ".txt", description);
    if (r.completed() == 0) {
      summary.problem("every benchmark request failed (" + name + "); first reason: " + r.errors().get(0).reason());
    } else if (r.failed() > 0) {
      summary.note(r.failed() + " of " + (r.failed() + r.completed()) + " benchmark requests failed (" + name + ".txt lists why)");
    }
  }

  private void sessionAndReport(Path dir) {
    step("profilemate export, then the HTML report");
    Path session = latestSession(dir.resolve("sessions"));
    if (session == null) {
      summary.problem("no probe session under " + dir.resolve("sessions") + ": the probe did not load in vLLM"
          + " (look for '[sitecustomize]' in vllm_server.log); no profile_report.html");
      return;
    }
    EngineStep.Outcome export = engine.run(null, "export", session.toString());
    out.print(export.out());
    summary.ran("profilemate export " + session);
    if (!export.ok()) {
      summary.problem("profilemate export failed: " + export.errorLine());
      return;
    }
    summary.file(dir.relativize(session) + "/", "the probe's session files (CSV/JSON, SPEC §2)");
    try {
      Path nsys = NsysPass.sqlite(dir);
      Path ncu = NcuPass.csv(dir);
      KernelInputs kernels = new KernelInputs(Files.isRegularFile(nsys) ? nsys : null,
          Files.isRegularFile(ncu) ? ncu : null, null);
      Path report = ReportWriter.write(session, dir.resolve(ReportWriter.DEFAULT_NAME), null, kernels);
      out.println("  wrote " + report);
      summary.file(ReportWriter.DEFAULT_NAME, "the HTML report of the session");
    } catch (UserDataException e) {
      summary.problem("the HTML report failed: " + e.getMessage());
      return;
    }
  }

  static Path latestSession(Path sessions) {
    if (!Files.isDirectory(sessions)) {
      return null;
    }
    List<Path> all = dev.profilemate.common.InputPaths.sessionsIn(sessions); // oldest first
    return all.isEmpty() ? null : all.getLast();
  }


  private void analysis(String what, EngineStep.Outcome o, String files, String description) {
    summary.ran(what);
    if (o.ok()) {
      summary.file(files, description);
      out.println("  " + what + ": done (" + files.split(",")[0] + ")");
    } else {
      summary.problem(what + " failed: " + o.errorLine());
    }
  }

  /** The results folder must be new or empty; nothing is created yet. */
  private static Path checkOutputDir(Path d) {
    Path dir = d.toAbsolutePath().normalize();
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) {
        throw new UserDataException(dir + " exists and is not a folder; pick another --output-dir");
      }
      try (Stream<Path> st = Files.list(dir)) {
        if (st.findAny().isPresent()) {
          throw new UserDataException(dir + " is not empty; pick another --output-dir (results are never mixed)");
        }
      } catch (IOException e) {
        throw new UserDataException("cannot read " + dir + ": " + e.getMessage());
      }
    }
    return dir;
  }

  private static void create(Path dir) {
    try {
      PrivateFiles.folder(dir.resolve("sessions"));
      PrivateFiles.folder(dir.resolve("kernels"));
    } catch (IOException e) {
      throw new UserDataException("cannot create " + dir + ": " + e.getMessage());
    }
  }

  private void step(String what) {
    step++;
    out.println("[" + step + "] " + what);
    out.flush();
  }
}
