package dev.profilemate.bench;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends the planned requests, one virtual thread each: at their Poisson send times (request-rate
 * mode), or as soon as one of {@code maxConcurrency} slots is free (concurrency mode), or all at
 * once. Every request yields a result, failed or not.
 */
public final class LoadGenerator {
  private final BenchSettings settings;
  private final HttpClient http;

  public LoadGenerator(BenchSettings settings) {
    this(settings, StreamingClient.newHttpClient());
  }

  LoadGenerator(BenchSettings settings, HttpClient http) {
    this.settings = settings;
    this.http = http;
  }

  /** Runs the whole benchmark and returns its results. */
  public BenchResult run() throws InterruptedException {
    List<PlannedRequest> plan = RequestPlan.of(settings);
    String warmupError = settings.warmup() ? warmup() : null;
    Run r = send(plan);
    return BenchSummary.of(settings, r.results(), r.durationNs(), warmupError);
  }

  /** Sends the warm-up request; returns why it failed, or null. */
  String warmup() {
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-timeouts");
      t.setDaemon(true);
      return t;
    });
    try {
      RequestResult w = new StreamingClient(http, settings.url(), settings.timeoutS(), watchdog)
          .send(RequestPlan.warmup(settings), System.nanoTime());
      return w.error();
    } finally {
      watchdog.shutdownNow();
    }
  }

  record Run(List<RequestResult> results, long durationNs) {}

  Run send(List<PlannedRequest> plan) throws InterruptedException {
    Semaphore slots = settings.maxConcurrency() == null ? null : new Semaphore(settings.maxConcurrency());
    List<Future<RequestResult>> futures = new ArrayList<>(plan.size());
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-timeouts");
      t.setDaemon(true);
      return t;
    });
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      StreamingClient client = new StreamingClient(http, settings.url(), settings.timeoutS(), watchdog);
      try {
        for (PlannedRequest p : plan) {
          long wait;
          while ((wait = start + p.sendAtNs() - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
              throw new InterruptedException();
            }
          }
          if (slots != null) {
            slots.acquire();
          }
          futures.add(pool.submit(() -> {
            try {
              return client.send(p, start);
            } finally {
              if (slots != null) {
                slots.release();
              }
            }
          }));
        }
      } catch (InterruptedException e) {
        futures.forEach(f -> f.cancel(true));
        throw e;
      }
    } finally {
      watchdog.shutdownNow();
    }
    long duration = System.nanoTime() - start;
    List<RequestResult> results = new ArrayList<>(plan.size());
    for (int i = 0; i < futures.size(); i++) {
      try {
        results.add(futures.get(i).get());
      } catch (ExecutionException e) {
        results.add(RequestResult.failed(plan.get(i), 0, 0, "internal error: " + e.getCause()));
      }
    }
    return new Run(results, duration);
  }
}
