package dev.profilemate.otlp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleGauge;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongGauge;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The step metrics, cumulative from the first send of this process on (a restarted collector starts
 * new series: the points' start time says so). Names follow Prometheus conventions with the
 * profilemate_ prefix, so that a Prometheus backend shows them under the names the /metrics endpoint
 * uses. Step durations are wall time from one schedule() start to the next on the same scheduler.
 * Metric points carry the time of the send, not of the steps.
 */
final class StepMetrics implements AutoCloseable {
  static final AttributeKey<String> PHASE = AttributeKey.stringKey("phase");
  static final AttributeKey<String> KIND = AttributeKey.stringKey("kind");
  static final AttributeKey<String> FINISH_REASON = AttributeKey.stringKey("finish_reason");
  static final AttributeKey<Long> PID = AttributeKey.longKey("pid");

  /** Every metric: name, instrument, attribute, description (docs/otlp.md lists the same). */
  static final List<String[]> NAMES = List.of(
      new String[] {"profilemate_steps_total", "counter", "phase", "scheduler steps (Scheduler.schedule() calls) by phase: prefill, decode, mixed, idle"},
      new String[] {"profilemate_step_duration_seconds", "histogram", "phase", "wall time from a step's schedule() start to the next step's on the same scheduler (each scheduler's last step has none)"},
      new String[] {"profilemate_step_tokens", "histogram", "phase", "tokens scheduled in one step (prefill + decode)"},
      new String[] {"profilemate_scheduled_tokens_total", "counter", "kind", "tokens scheduled: prefill (prompt and recomputation) or decode"},
      new String[] {"profilemate_preemptions_total", "counter", "", "requests preempted by the scheduler"},
      new String[] {"profilemate_requests_finished_total", "counter", "finish_reason", "requests finished, by vLLM's finish reason"},
      new String[] {"profilemate_kv_cache_usage_ratio", "gauge", "pid", "used share of the usable KV blocks after the latest step, 0..1"},
      new String[] {"profilemate_running_requests", "gauge", "pid", "requests in the running queue after the latest step"},
      new String[] {"profilemate_waiting_requests", "gauge", "pid", "requests in the waiting queue after the latest step"});

  private final SdkMeterProvider provider;
  private final Reader reader = new Reader();
  private final OtlpHttpMetricExporter exporter;
  private final String url;
  private final LongCounter steps;
  private final DoubleHistogram stepSeconds;
  private final LongHistogram stepTokens;
  private final LongCounter tokens;
  private final LongCounter preemptions;
  private final LongCounter finished;
  private final DoubleGauge kvUsage;
  private final LongGauge running;
  private final LongGauge waiting;

  StepMetrics(OtlpEndpoint endpoint, Resource resource, Duration timeout) {
    url = endpoint.metrics();
    exporter = OtlpHttpMetricExporter.builder().setEndpoint(url).setTimeout(timeout).setRetryPolicy(OtlpSender.RETRY)
        .build();
    provider = SdkMeterProvider.builder().setResource(resource).registerMetricReader(reader).build();
    Meter m = provider.get("dev.profilemate.otlp");
    steps = m.counterBuilder(NAMES.get(0)[0]).setDescription(NAMES.get(0)[3]).setUnit("{step}").build();
    stepSeconds = m.histogramBuilder(NAMES.get(1)[0]).setDescription(NAMES.get(1)[3]).setUnit("s")
        .setExplicitBucketBoundariesAdvice(List.of(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0))
        .build();
    stepTokens = m.histogramBuilder(NAMES.get(2)[0]).setDescription(NAMES.get(2)[3]).setUnit("{token}").ofLongs()
        .setExplicitBucketBoundariesAdvice(List.of(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 512L, 1024L, 2048L,
            4096L, 8192L, 16384L))
        .build();
    tokens = m.counterBuilder(NAMES.get(3)[0]).setDescription(NAMES.get(3)[3]).setUnit("{token}").build();
    preemptions = m.counterBuilder(NAMES.get(4)[0]).setDescription(NAMES.get(4)[3]).setUnit("{request}").build();
    finished = m.counterBuilder(NAMES.get(5)[0]).setDescription(NAMES.get(5)[3]).setUnit("{request}").build();
    kvUsage = m.gaugeBuilder(NAMES.get(6)[0]).setDescription(NAMES.get(6)[3]).setUnit("1").build();
    running = m.gaugeBuilder(NAMES.get(7)[0]).setDescription(NAMES.get(7)[3]).setUnit("{request}").ofLongs().build();
    waiting = m.gaugeBuilder(NAMES.get(8)[0]).setDescription(NAMES.get(8)[3]).setUnit("{request}").ofLongs().build();
  }

  void step(StepSample s) {
    Attributes phase = Attributes.of(PHASE, s.phase());
    steps.add(1, phase);
    if (s.durationNs() >= 0) {
      stepSeconds.record(s.durationNs() / 1e9, phase);
    }
    stepTokens.record(s.prefillTokens() + s.decodeTokens(), phase);
    tokens.add(s.prefillTokens(), Attributes.of(KIND, "prefill"));
    tokens.add(s.decodeTokens(), Attributes.of(KIND, "decode"));
    preemptions.add(s.preempted());
    Attributes pid = Attributes.of(PID, s.pid());
    kvUsage.set(s.kvUsage(), pid);
    running.set(s.running(), pid);
    waiting.set(s.waiting(), pid);
  }

  void finished(RequestSpan r) {
    finished.add(1, Attributes.of(FINISH_REASON, r.finishReason()));
  }

  /** Exports every metric's current value; a failure message naming the endpoint, or null. */
  String flush() {
    Collection<MetricData> data = reader.collect();
    if (data.isEmpty()) {
      return null;
    }
    CompletableResultCode result = exporter.export(data).join(30, TimeUnit.SECONDS);
    return result.isSuccess() ? null : OtlpSender.failure(url, data.size() + " metrics", result);
  }

  @Override
  public void close() {
    provider.shutdown().join(10, TimeUnit.SECONDS);
    exporter.shutdown().join(10, TimeUnit.SECONDS);
  }

  /** Collects when told to, so that each send's result can be checked (a periodic reader logs and drops it). */
  private static final class Reader implements MetricReader {
    private CollectionRegistration registration = CollectionRegistration.noop();

    @Override
    public void register(CollectionRegistration registration) {
      this.registration = registration;
    }

    Collection<MetricData> collect() {
      return registration.collectAllMetrics();
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
      return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode forceFlush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
