package dev.profilemate.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends one streaming request and reads its server-sent events as they arrive, timing the first
 * text chunk (TTFT), the gaps between text chunks (ITL) and the end of the stream (E2E). A request
 * succeeds only with HTTP 200, no error event, and {@code data: [DONE]} at the end. A request still
 * running at its timeout is interrupted and counted as failed.
 */
final class StreamingClient {
  private final HttpClient http;
  private final URI url;
  private final long timeoutNs;
  private final ScheduledExecutorService watchdog;

  StreamingClient(HttpClient http, URI url, double timeoutS, ScheduledExecutorService watchdog) {
    this.http = http;
    this.url = url;
    this.timeoutNs = timeoutS > 0 ? Math.round(timeoutS * 1e9) : 0;
    this.watchdog = watchdog;
  }

  static HttpClient newHttpClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  RequestResult send(PlannedRequest p, long runStartNs) {
    long t0 = System.nanoTime();
    long startNs = t0 - runStartNs;
    AtomicBoolean timedOut = new AtomicBoolean();
    Thread self = Thread.currentThread();
    ScheduledFuture<?> alarm = timeoutNs > 0
        ? watchdog.schedule(() -> {
            timedOut.set(true);
            self.interrupt();
          }, timeoutNs, TimeUnit.NANOSECONDS)
        : null;
    try {
      return exchange(p, t0, startNs);
    } catch (IOException | InterruptedException | RuntimeException e) {
      String why = timedOut.get()
          ? "timed out after " + seconds(timeoutNs) + " s"
          : describe(e);
      return RequestResult.failed(p, startNs, System.nanoTime() - t0, why);
    } finally {
      if (alarm != null) {
        alarm.cancel(false);
      }
      Thread.interrupted(); // a late alarm must not leak into the next request on this thread
    }
  }

  private RequestResult exchange(PlannedRequest p, long t0, long startNs) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(url)
        .header("Content-Type", "application/json")
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(p.body(), StandardCharsets.UTF_8))
        .build();
    HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = resp.body()) {
      if (resp.statusCode() != 200) {
        String text = new String(body.readNBytes(4096), StandardCharsets.UTF_8);
        return RequestResult.failed(p, startNs, System.nanoTime() - t0,
            "HTTP " + resp.statusCode() + (text.isBlank() ? "" : ": " + StreamChunk.errorMessage(text)));
      }
      return readStream(p, t0, startNs, new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)));
    }
  }

  private static RequestResult readStream(PlannedRequest p, long t0, long startNs, BufferedReader in) throws IOException {
    long ttft = -1;
    long last = -1;
    LongList itl = new LongList();
    int chunks = 0;
    Integer promptTokens = null;
    Integer completionTokens = null;
    String line;
    while ((line = in.readLine()) != null) {
      long now = System.nanoTime();
      String payload = StreamChunk.payload(line);
      if (payload == null) {
        continue;
      }
      StreamChunk c = StreamChunk.parse(payload);
      if (c.done()) {
        return new RequestResult(p.index(), p.promptLen(), p.outputLen(), null, startNs, ttft, now - t0,
            itl.toArray(), chunks, promptTokens, completionTokens);
      }
      if (c.error() != null) {
        return RequestResult.failed(p, startNs, now - t0, c.error());
      }
      if (!c.text().isEmpty()) {
        chunks++;
        if (ttft < 0) {
          ttft = now - t0;
        } else {
          itl.add(now - last);
        }
        last = now;
      }
      if (c.promptTokens() != null) {
        promptTokens = c.promptTokens();
      }
      if (c.completionTokens() != null) {
        completionTokens = c.completionTokens();
      }
    }
    return RequestResult.failed(p, startNs, System.nanoTime() - t0,
        "stream ended before data: [DONE] (" + chunks + " text chunks received)");
  }

  private static String seconds(long ns) {
    double s = ns / 1e9;
    return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
  }

  private static String describe(Throwable e) {
    if (e instanceof ConnectException) {
      return "cannot connect: " + (e.getMessage() == null ? "connection refused" : e.getMessage());
    }
    if (e instanceof HttpTimeoutException) {
      return "timed out: " + e.getMessage();
    }
    String msg = e.getMessage();
    if (msg == null && e.getCause() != null) {
      msg = e.getCause().getMessage();
    }
    return e.getClass().getSimpleName() + (msg == null ? "" : ": " + StreamChunk.clip(msg));
  }

  /** A growable list of primitive longs. */
  static final class LongList {
    private long[] a = new long[16];
    private int n;

    void add(long v) {
      if (n == a.length) {
        a = java.util.Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    long[] toArray() {
      return java.util.Arrays.copyOf(a, n);
    }
  }
}
