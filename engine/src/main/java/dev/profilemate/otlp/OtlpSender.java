package dev.profilemate.otlp;

import dev.profilemate.common.Versions;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sends a batch's requests as spans and its steps as metrics ({@link StepMetrics}) to one OTLP/HTTP
 * endpoint, with the OpenTelemetry SDK. One request is one trace (or a part of the caller's trace,
 * when it came with a traceparent): a root span "vllm.request" from arrival to finish, its
 * preemptions and resumes as events, and children "queue", "prefill_chunk" (one per scheduler step
 * that did prefill work for it) and "decode". Spans are exported in batches whose result is
 * checked, so a refused send is said, not lost silently.
 */
public final class OtlpSender implements AutoCloseable {
  /** Spans per OTLP request: a few hundred kB. */
  static final int SPANS_PER_EXPORT = 512;

  public static final String ROOT = "vllm.request";

  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("gen_ai.request.id");
  static final AttributeKey<Long> PROMPT_TOKENS = AttributeKey.longKey("gen_ai.usage.prompt_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.completion_tokens");
  static final AttributeKey<String> FINISH_REASON = AttributeKey.stringKey("profilemate.finish_reason");
  static final AttributeKey<Long> PREEMPTIONS = AttributeKey.longKey("profilemate.preemptions");
  static final AttributeKey<Long> RECOMPUTED = AttributeKey.longKey("profilemate.recomputed_tokens");
  static final AttributeKey<Long> PID = AttributeKey.longKey("process.pid");
  static final AttributeKey<Long> STEP = AttributeKey.longKey("profilemate.step");
  static final AttributeKey<Long> TOKENS = AttributeKey.longKey("profilemate.num_tokens");
  static final AttributeKey<Long> CHUNK = AttributeKey.longKey("profilemate.chunk_index");
  static final AttributeKey<Boolean> RECOMPUTE = AttributeKey.booleanKey("profilemate.recompute");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("profilemate.reason");
  static final AttributeKey<Long> TOKENS_LOST = AttributeKey.longKey("profilemate.num_computed_tokens");
  static final AttributeKey<Double> WAITED = AttributeKey.doubleKey("profilemate.waited_sec");

  /**
   * The SDK logs each failed export with its stack trace (java.util.logging); the sender says it in
   * one line instead. Held here: java.util.logging keeps loggers only weakly.
   */
  private static final java.util.logging.Logger SDK_LOG = quiet();

  private static java.util.logging.Logger quiet() {
    java.util.logging.Logger l = java.util.logging.Logger.getLogger("io.opentelemetry");
    l.setLevel(java.util.logging.Level.OFF);
    return l;
  }

  /** A receiver that restarts gets a moment (3 tries over ~0.6 s), not the SDK's default of 5 tries over ~15 s. */
  static final RetryPolicy RETRY = RetryPolicy.builder().setMaxAttempts(3)
      .setInitialBackoff(Duration.ofMillis(200)).setMaxBackoff(Duration.ofMillis(400)).build();

  private final OtlpEndpoint endpoint;
  private final OtlpHttpSpanExporter spans;
  private final SdkTracerProvider tracers;
  private final Tracer tracer;
  private final List<SpanData> ended = new ArrayList<>();
  private final StepMetrics metrics;

  /** What one send did; failure is null when the endpoint took everything. */
  public record Sent(int requests, int spans, int steps, String failure) {}

  public OtlpSender(OtlpEndpoint endpoint, String session) {
    this.endpoint = endpoint;
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "profilemate",
        AttributeKey.stringKey("service.version"), Versions.RELEASE,
        AttributeKey.stringKey("profilemate.session"), session)));
    Duration timeout = Duration.ofSeconds(10);
    spans = OtlpHttpSpanExporter.builder().setEndpoint(endpoint.traces()).setTimeout(timeout).setRetryPolicy(RETRY)
        .build();
    tracers = SdkTracerProvider.builder().setResource(resource).addSpanProcessor(new Collecting()).build();
    tracer = tracers.get("dev.profilemate.otlp", Versions.RELEASE);
    metrics = new StepMetrics(endpoint, resource, timeout);
  }

  /** Keeps each ended span for {@link #flushSpans}, which exports them and checks the result. */
  private final class Collecting implements SpanProcessor {
    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      ended.add(span.toSpanData());
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }

  public Sent send(OtlpBatch batch) {
    String failure = null;
    int spanCount = 0;
    for (RequestSpan r : batch.requests()) {
      spanCount += spans(batch, r);
      if (ended.size() >= SPANS_PER_EXPORT) {
        failure = first(failure, flushSpans());
      }
      metrics.finished(r);
    }
    failure = first(failure, flushSpans());
    batch.steps().forEach(metrics::step);
    failure = first(failure, metrics.flush());
    return new Sent(batch.requests().size(), spanCount, batch.steps().size(), failure);
  }

  private static String first(String a, String b) {
    return a != null ? a : b;
  }

  private int spans(OtlpBatch b, RequestSpan r) {
    Context parent = Context.root();
    if (r.trace() != null) {
      SpanContext remote = SpanContext.createFromRemoteParent(r.trace().traceId(), r.trace().parentSpanId(),
          TraceFlags.fromByte((byte) r.trace().flags()), TraceState.getDefault());
      if (remote.isValid()) {
        parent = parent.with(Span.wrap(remote));
      }
    }
    long start = firstOf(r.arrivedNs(), r.scheduledNs(), r.chunks().isEmpty() ? 0 : r.chunks().get(0).startNs(),
        r.finishedNs());
    Span root = tracer.spanBuilder(ROOT).setParent(parent).setSpanKind(SpanKind.INTERNAL)
        .setStartTimestamp(b.wallNs(start), TimeUnit.NANOSECONDS)
        .setAttribute(REQUEST_ID, r.requestId())
        .setAttribute(PROMPT_TOKENS, (long) r.promptTokens())
        .setAttribute(OUTPUT_TOKENS, (long) r.outputTokens())
        .setAttribute(FINISH_REASON, r.finishReason())
        .setAttribute(PREEMPTIONS, (long) r.preemptions())
        .setAttribute(RECOMPUTED, r.recomputedTokens())
        .setAttribute(PID, r.pid())
        .startSpan();
    if (!root.getSpanContext().isSampled()) {
      root.end(); // the caller's trace is not sampled (flags 00): nothing of it is recorded
      return 0;
    }
    for (RequestSpan.Mark m : r.marks()) {
      Attributes a = m.event().equals("preempted")
          ? Attributes.of(REASON, m.reason(), TOKENS_LOST, m.tokensLost())
          : Attributes.of(WAITED, m.waitedNs() / 1e9);
      root.addEvent(m.event(), a, b.wallNs(m.tNs()), TimeUnit.NANOSECONDS);
    }
    Context inRoot = parent.with(root);
    int n = 1;
    if (r.arrivedNs() != 0 && r.scheduledNs() != 0) {
      child(b, inRoot, "queue", r.arrivedNs(), r.scheduledNs(), Attributes.empty());
      n++;
    }
    int index = 0;
    for (RequestSpan.Chunk c : r.chunks()) {
      child(b, inRoot, "prefill_chunk", c.startNs(), c.endNs(), Attributes.of(STEP, c.step(), TOKENS, (long) c.tokens(),
          CHUNK, (long) index++, RECOMPUTE, c.recompute()));
      n++;
    }
    if (r.firstTokenNs() != 0) {
      child(b, inRoot, "decode", r.firstTokenNs(), r.finishedNs(),
          Attributes.of(TOKENS, (long) Math.max(0, r.outputTokens() - 1)));
      n++;
    }
    root.end(b.wallNs(r.finishedNs()), TimeUnit.NANOSECONDS);
    return n;
  }

  private void child(OtlpBatch b, Context parent, String name, long fromNs, long toNs, Attributes a) {
    tracer.spanBuilder(name).setParent(parent).setStartTimestamp(b.wallNs(fromNs), TimeUnit.NANOSECONDS)
        .setAllAttributes(a).startSpan().end(b.wallNs(Math.max(fromNs, toNs)), TimeUnit.NANOSECONDS);
  }

  private static long firstOf(long... ns) {
    for (long t : ns) {
      if (t != 0) {
        return t;
      }
    }
    return 0;
  }

  /** Exports the spans ended so far; a failure message naming the endpoint, or null. */
  private String flushSpans() {
    if (ended.isEmpty()) {
      return null;
    }
    List<SpanData> out = List.copyOf(ended);
    ended.clear();
    CompletableResultCode result = spans.export(out).join(30, TimeUnit.SECONDS);
    return result.isSuccess() ? null : failure(endpoint.traces(), out.size() + " spans", result);
  }

  static String failure(String url, String what, CompletableResultCode result) {
    Throwable t = result.getFailureThrowable();
    String cause = t == null ? (result.isDone() ? "refused" : "no answer in 30 s")
        : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return url + " did not take " + what + " (" + cause + ")";
  }

  @Override
  public void close() {
    metrics.close();
    tracers.shutdown().join(10, TimeUnit.SECONDS);
    spans.shutdown().join(10, TimeUnit.SECONDS);
  }
}
