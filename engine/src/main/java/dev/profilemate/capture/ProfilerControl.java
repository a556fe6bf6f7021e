package dev.profilemate.capture;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * vLLM's own profiler around a capture: POST /start_profile when a capture starts and POST
 * /stop_profile when its window ends. vLLM 0.33 serves those two routes only when the server was
 * started with a profiler (vllm/entrypoints/serve/profile/api_router.py: attach_router includes
 * them only if --profiler-config names one, e.g. '{"profiler": "torch", "torch_profiler_dir":
 * "/abs/dir"}'); otherwise they answer 404. Every call runs on this class's own thread, so the
 * collector never waits on the server; a failure is one line on stderr, and capturing goes on.
 */
final class ProfilerControl implements AutoCloseable {
  /** stop_profile writes the traces before it answers: give it time. */
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private final URI base;
  private final PrintStream err;
  private final HttpClient http;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "profilemate-profile-url");
    t.setDaemon(true);
    return t;
  });
  private ScheduledFuture<?> stop;
  private boolean running;
  /** The capture whose start failed (one line, not one per extension of its window). */
  private String failedFor = "";
  /** The server answered 404: it runs without a profiler, which only a restart changes. */
  private volatile boolean noProfiler;

  ProfilerControl(URI base, PrintStream err) {
    this.base = base;
    this.err = err;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Starts vLLM's profiler (unless running) and (re)schedules its stop after stopAfterSec. */
  synchronized void startOrExtend(String captureId, double stopAfterSec) {
    if (!running && !noProfiler && !captureId.equals(failedFor)) {
      running = true;
      thread.execute(() -> {
        if (!post("/start_profile", captureId)) {
          synchronized (this) {
            running = false; // not started: no stop to send, and no retry within this capture
            failedFor = captureId;
          }
        }
      });
    }
    if (stop != null) {
      stop.cancel(false);
    }
    stop = thread.schedule(this::stopNow, Math.max(0, (long) (stopAfterSec * 1000)), TimeUnit.MILLISECONDS);
  }

  private void stopNow() {
    synchronized (this) { // never held over the call: the collector must not wait on the server
      if (!running) {
        return;
      }
      running = false;
    }
    post("/stop_profile", "");
  }

  /** True when the server answered 2xx. */
  private boolean post(String path, String captureId) {
    URI uri = base.resolve(path);
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 404) {
        noProfiler = true;
        err.println("collect: capture: POST " + uri + " answered 404: vLLM serves it only when started with a "
            + "profiler (vllm serve ... --profiler-config '{\"profiler\": \"torch\", \"torch_profiler_dir\": "
            + "\"/abs/dir\"}'); capturing goes on without vLLM's profiler (not asked again)");
      } else if (r.statusCode() / 100 != 2) {
        err.println("collect: capture: POST " + uri + " answered " + r.statusCode() + "; capturing goes on");
      } else {
        if (!captureId.isEmpty()) {
          err.println("collect: capture " + captureId + ": vLLM's profiler started (" + uri + ")");
        }
        return true;
      }
    } catch (java.io.IOException e) {
      err.println("collect: capture: POST " + uri + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName()
          : e.getMessage()) + "; capturing goes on");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /** Stops a profiler still running (the collector is leaving), waiting for the answer a while. */
  @Override
  public void close() {
    synchronized (this) {
      if (stop != null) {
        stop.cancel(false);
      }
    }
    thread.execute(this::stopNow);
    thread.shutdown();
    try {
      thread.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
