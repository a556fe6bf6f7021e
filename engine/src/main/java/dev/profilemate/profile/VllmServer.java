package dev.profilemate.profile;

import dev.profilemate.common.PrivateFiles;
import dev.profilemate.common.UserDataException;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A vLLM OpenAI-compatible server started for one profile run, possibly under nsys or ncu (the
 * launcher). Its stdout and stderr go to a log file. It is stopped the way a user would stop it:
 * SIGINT to the vLLM process (so vLLM shuts down its engine and the profiler under it finishes
 * its report), SIGTERM after a grace period, SIGKILL as the last resort.
 */
public final class VllmServer implements AutoCloseable {
  /** The text that identifies the API server process among the launcher's descendants. */
  static final String SERVER_MODULE = "vllm.entrypoints.openai.api_server";

  private final Process launcher;
  private final URI baseUrl;
  private final Path log;
  private final PrintWriter console;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
  private final List<ProcessHandle> seen = new ArrayList<>();
  private final boolean underProfiler;

  private VllmServer(Process launcher, boolean underProfiler, URI baseUrl, Path log, PrintWriter console) {
    this.launcher = launcher;
    this.underProfiler = underProfiler;
    this.baseUrl = baseUrl;
    this.log = log;
    this.console = console;
  }

  /** {@code underProfiler}: the command is nsys or ncu running vLLM, not vLLM itself. */
  public static VllmServer start(List<String> command, boolean underProfiler, Map<String, String> env, Path log, URI baseUrl,
      PrintWriter console) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    try {
      // the log holds vLLM's own output (it may quote requests): owner-only, like every output
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(PrivateFiles.logFile(log).toFile()));
      return new VllmServer(pb.start(), underProfiler, baseUrl, log, console);
    } catch (IOException e) {
      throw new UserDataException("cannot start " + command.get(0) + ": " + e.getMessage());
    }
  }

  public URI baseUrl() {
    return baseUrl;
  }

  public Path log() {
    return log;
  }

  public long pid() {
    return launcher.pid();
  }

  /**
   * Polls GET /health until it answers 200. Fails at once, with the log's tail on the console,
   * when the process exits first, and after {@code timeout} otherwise (stopping the server).
   */
  public void waitUntilHealthy(Duration timeout, Duration stopGrace) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextNote = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    URI health = URI.create(baseUrl + "/health");
    while (true) {
      remember();
      if (!launcher.isAlive()) {
        showTail();
        throw new UserDataException("vLLM exited (status " + launcher.exitValue() + ") before it answered "
            + health + "; the end of its log is above (full log: " + log + ")");
      }
      if (healthy(health)) {
        return;
      }
      long now = System.nanoTime();
      if (now > deadline) {
        showTail();
        stop(stopGrace, Duration.ofMinutes(2));
        throw new UserDataException("vLLM did not answer " + health + " within " + timeout.toSeconds()
            + " s (raise --startup-timeout for large models); it was stopped; full log: " + log);
      }
      if (now > nextNote) {
        console.printf("  still waiting for %s (%d s so far; log: %s)%n", health,
            timeout.toSeconds() - TimeUnit.NANOSECONDS.toSeconds(deadline - now), log);
        console.flush();
        nextNote = now + TimeUnit.SECONDS.toNanos(30);
      }
      Thread.sleep(1000);
    }
  }

  private boolean healthy(URI health) throws InterruptedException {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** POSTs to a path of the server (e.g. /start_profile); returns the status, or -1 if it could not connect. */
  public int post(String path, Duration timeout) throws InterruptedException {
    return post(http, URI.create(baseUrl + path), timeout);
  }

  /** POSTs without a body; the status, or -1 when no answer came, twice. */
  static int post(HttpClient http, URI uri, Duration timeout) throws InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).POST(HttpRequest.BodyPublishers.noBody()).build();
    for (int attempt = 1; ; attempt++) {
      try {
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException e) {
        // A pooled connection that the server closed after the previous request (an HTTP/1.0
        // server, or a keep-alive timeout) fails with no answer. The JDK retries a GET on such a
        // connection by itself, never a POST: once more, on a new connection.
        if (attempt == 2) {
          return -1;
        }
      }
    }
  }

  /** Prints the last lines of the server's log. */
  public void showTail() {
    console.println("---- last lines of " + log + " ----");
    LogTail.last(log, 25).forEach(l -> console.println("  " + l));
    console.println("----");
    console.flush();
  }

  /** Keeps a list of every process of the tree seen so far, to clean up after the launcher is gone. */
  private void remember() {
    launcher.descendants().forEach(h -> {
      if (seen.stream().noneMatch(s -> s.pid() == h.pid())) {
        seen.add(h);
      }
    });
  }

  /**
   * The vLLM API server process. Without a profiler it is the launched process. Under nsys or ncu
   * (whose own command lines name the server module too) it is the topmost descendant running the
   * server module, preferring a python executable; forked engine processes share its command line
   * but sit below it.
   */
  Optional<ProcessHandle> serverProcess() {
    if (!underProfiler) {
      return Optional.of(launcher.toHandle());
    }
    List<ProcessHandle> matches = launcher.descendants().filter(h -> commandLine(h).contains(SERVER_MODULE)).toList();
    List<ProcessHandle> pythons = matches.stream().filter(VllmServer::isPython).toList();
    List<ProcessHandle> pool = pythons.isEmpty() ? matches : pythons;
    Set<Long> pids = pool.stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    return pool.stream()
        .filter(h -> h.parent().map(p -> !pids.contains(p.pid())).orElse(true))
        .findFirst();
  }

  private static boolean isPython(ProcessHandle h) {
    return h.info().command().map(c -> Path.of(c).getFileName().toString().startsWith("python")).orElse(false);
  }

  private static String commandLine(ProcessHandle h) {
    ProcessHandle.Info i = h.info();
    return i.commandLine().orElseGet(() -> i.command().orElse("") + " " + String.join(" ", i.arguments().orElse(new String[0])));
  }

  /**
   * SIGINT to vLLM, SIGTERM after {@code grace}, SIGKILL 15 s later; then waits up to
   * {@code finalize} for the launcher (nsys writes its report after vLLM exits). Returns the
   * launcher's exit status (or -1 if it had to be killed).
   */
  public int stop(Duration grace, Duration finalize) throws InterruptedException {
    remember();
    if (!launcher.isAlive()) {
      cleanUp();
      return launcher.exitValue();
    }
    ProcessHandle target = serverProcess().orElse(launcher.toHandle());
    console.printf("  sending SIGINT to vLLM (pid %d)%n", target.pid());
    console.flush();
    Signals.send(target.pid(), "INT");
    if (!waitFor(target, grace)) {
      console.printf("  vLLM still running %d s after SIGINT: sending SIGTERM%n", grace.toSeconds());
      console.flush();
      target.descendants().forEach(h -> Signals.send(h.pid(), "TERM"));
      Signals.send(target.pid(), "TERM");
      if (!waitFor(target, Duration.ofSeconds(15))) {
        console.println("  vLLM still running 15 s after SIGTERM: killing it");
        target.descendants().forEach(ProcessHandle::destroyForcibly);
        target.destroyForcibly();
        waitFor(target, Duration.ofSeconds(10));
      }
    }
    if (target.pid() != launcher.pid() && launcher.isAlive()) {
      console.printf("  waiting for %s to finish writing its results%n", launcherName());
      console.flush();
      if (!launcher.waitFor(finalize.toSeconds(), TimeUnit.SECONDS)) {
        console.printf("  %s still running after %d s: sending SIGINT, then SIGTERM%n", launcherName(), finalize.toSeconds());
        Signals.send(launcher.pid(), "INT");
        if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
          launcher.destroy();
          if (!launcher.waitFor(15, TimeUnit.SECONDS)) {
            launcher.destroyForcibly();
          }
        }
      }
    }
    launcher.waitFor(10, TimeUnit.SECONDS);
    cleanUp();
    return launcher.isAlive() ? -1 : launcher.exitValue();
  }

  private String launcherName() {
    return launcher.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("the launcher");
  }

  private static boolean waitFor(ProcessHandle h, Duration d) throws InterruptedException {
    CompletableFuture<ProcessHandle> f = h.onExit();
    try {
      f.get(d.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return !h.isAlive();
    } catch (java.util.concurrent.ExecutionException e) {
      return !h.isAlive();
    }
  }

  /** Processes of the tree that outlived the launcher (e.g. an orphaned engine core) get SIGTERM, then SIGKILL. */
  private void cleanUp() throws InterruptedException {
    List<ProcessHandle> left = seen.stream().filter(ProcessHandle::isAlive).toList();
    if (left.isEmpty()) {
      return;
    }
    console.printf("  stopping %d leftover process(es) of the server: %s%n", left.size(),
        left.stream().map(h -> Long.toString(h.pid())).collect(Collectors.joining(" ")));
    console.flush();
    left.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : left) {
      if (!waitFor(h, Duration.ofSeconds(10))) {
        h.destroyForcibly();
      }
    }
  }

  public boolean isRunning() {
    return launcher.isAlive();
  }

  /** Stops the server if it is still running (after an error, or on Ctrl-C through a shutdown hook). */
  @Override
  public void close() {
    if (launcher.isAlive()) {
      try {
        stop(Duration.ofSeconds(20), Duration.ofMinutes(5));
      } catch (InterruptedException e) {
        launcher.descendants().forEach(ProcessHandle::destroyForcibly);
        launcher.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
