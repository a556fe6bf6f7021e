package dev.profilemate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A STAND-IN for vLLM's OpenAI-compatible server, for tests only (this is not vLLM): it streams
 * server-sent events the way vLLM does (text chunks, a final usage chunk when asked, then
 * {@code data: [DONE]}), with delays and failures the test chooses per arrival, and records what
 * it received and how many requests were in flight at once.
 */
final class StandInOpenAiServer implements AutoCloseable {
  static {
    // without TCP_NODELAY, Nagle + delayed ACKs could hold back small SSE chunks by tens of ms
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  enum Ending { DONE, CUT, ERROR_EVENT, HANG }

  /** What the stand-in does for one request: HTTP status, delays, tokens, chunking, usage, ending. */
  record Reply(int status, long ttftMs, long itlMs, int tokens, int tokensPerChunk, boolean usage, Ending ending) {
    static Reply ok(long ttftMs, long itlMs, int tokens) {
      return new Reply(200, ttftMs, itlMs, tokens, 1, true, Ending.DONE);
    }

    Reply withStatus(int s) {
      return new Reply(s, ttftMs, itlMs, tokens, tokensPerChunk, usage, ending);
    }

    Reply withEnding(Ending e) {
      return new Reply(status, ttftMs, itlMs, tokens, tokensPerChunk, usage, e);
    }

    Reply withChunking(int perChunk, boolean sendUsage) {
      return new Reply(status, ttftMs, itlMs, tokens, perChunk, sendUsage, ending);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicInteger arrivals = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
  final List<Long> arrivalNanos = new CopyOnWriteArrayList<>();
  final List<String> paths = new CopyOnWriteArrayList<>();

  /** {@code replies}: the reply for the n-th request to arrive (0-based); max_tokens from the body is used when tokens is -1. */
  StandInOpenAiServer(IntFunction<Reply> replies) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    server.setExecutor(pool);
    server.createContext("/v1/completions", ex -> handle(ex, replies, false));
    server.createContext("/v1/chat/completions", ex -> handle(ex, replies, true));
    server.start();
  }

  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  int requests() {
    return arrivals.get();
  }

  private void handle(HttpExchange ex, IntFunction<Reply> replies, boolean chat) throws IOException {
    long arrived = System.nanoTime();
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    // a request leaves the count before its last write: the client may start its next request as soon
    // as it reads that write, before this handler's finally runs
    java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean(true);
    Runnable leave = () -> {
      if (counted.getAndSet(false)) {
        inFlight.decrementAndGet();
      }
    };
    try (ex) {
      JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
      int n = arrivals.getAndIncrement();
      bodies.add(body);
      arrivalNanos.add(arrived);
      paths.add(ex.getRequestURI().getPath());
      Reply r = replies.apply(n);
      int tokens = r.tokens() >= 0 ? r.tokens() : body.path("max_tokens").asInt();
      if (r.status() != 200) {
        byte[] err = ("{\"object\":\"error\",\"message\":\"stand-in says no\",\"type\":\"InternalServerError\",\"code\":"
            + r.status() + "}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        leave.run();
        ex.sendResponseHeaders(r.status(), err.length);
        ex.getResponseBody().write(err);
        return;
      }
      ex.getResponseHeaders().set("Content-Type", "text/event-stream");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      if (chat) {
        event(out, "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
      }
      if (r.ending() == Ending.HANG) {
        Thread.sleep(60_000);
        return;
      }
      Thread.sleep(r.ttftMs());
      int sent = 0;
      while (sent < tokens) {
        if (sent > 0) {
          Thread.sleep(r.itlMs());
        }
        int k = Math.min(r.tokensPerChunk(), tokens - sent);
        String text = "tok ".repeat(k);
        event(out, chat
            ? "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"}}]}"
            : "{\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"" + text + "\",\"finish_reason\":null}],\"usage\":null}");
        sent += k;
        if (r.ending() == Ending.CUT && sent >= 2) {
          leave.run();
          return; // closes the stream without [DONE]
        }
        if (r.ending() == Ending.ERROR_EVENT && sent >= 1) {
          leave.run();
          event(out, "{\"error\":{\"object\":\"error\",\"message\":\"stand-in engine died\",\"type\":\"InternalServerError\",\"code\":500}}");
          event(out, "[DONE]");
          return;
        }
      }
      if (r.usage()) {
        int promptTokens = promptTokens(body);
        event(out, "{\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + tokens
            + ",\"total_tokens\":" + (promptTokens + tokens) + "}}");
      }
      leave.run();
      event(out, "[DONE]");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away (e.g. a timed-out request): nothing to do
    } finally {
      leave.run();
    }
  }

  /** What a tokenizer-less stand-in can count: list length for token ids, words (+1 for BOS) for text, +10 for chat. */
  static int promptTokens(JsonNode body) {
    JsonNode p = body.get("prompt");
    if (p != null && p.isArray()) {
      return p.size();
    }
    if (p != null) {
      return p.asText().split(" ").length + 1;
    }
    return body.path("messages").get(0).path("content").asText().split(" ").length + 10;
  }

  private static void event(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
