package dev.profilemate.cli;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.export.LiveExport;
import dev.profilemate.live.LiveMetrics;
import dev.profilemate.otlp.OtlpExport;
import dev.profilemate.session.SessionView;
import dev.profilemate.spool.SpoolRecord;
import java.io.Serializable;

/**
 * What rides on each of collect's incremental refreshes ({@link LiveExport.Tap}): the live metrics
 * (--metrics-port) and the OTLP sender (--otlp), each fed the refresh's new records and its state
 * checkpointed with the session files' aggregators. With the live metrics alone their state is
 * checkpointed as it always was (the stamp says which taps a checkpoint holds: one of other taps,
 * or of another OTLP endpoint, is not read back, so such a collector reads the session from its
 * start).
 */
final class CollectTaps implements LiveExport.Tap {
  private final LiveMetrics metrics;
  private final OtlpExport.Live otlp;
  /** The refresh under way is the last one (the processes have gone). */
  private boolean over;

  /** Either may be null (off); null when both are. */
  static CollectTaps of(LiveMetrics metrics, OtlpExport.Live otlp) {
    return metrics == null && otlp == null ? null : new CollectTaps(metrics, otlp);
  }

  private CollectTaps(LiveMetrics metrics, OtlpExport.Live otlp) {
    this.metrics = metrics;
    this.otlp = otlp;
  }

  /** The taps' name in the checkpoint's stamp and in collect's messages. */
  String name() {
    if (otlp == null) {
      return "live metrics";
    }
    return (metrics == null ? "" : "live metrics + ") + "otlp to " + otlp.endpoint();
  }

  void over(boolean over) {
    this.over = over;
  }

  @Override
  public RecordConsumer apply(SessionView view, Object prev) {
    if (otlp == null) {
      return metrics.carried(view, prev);
    }
    Both p = prev instanceof Both b ? b : null;
    return new Both(metrics == null ? null : metrics.carried(view, p == null ? null : p.metrics),
        otlp.carried(view, p == null ? null : p.otlp, over));
  }

  /** Both taps' states, fed in turn (checkpointed as one: each a Serializable consumer). */
  private record Both(RecordConsumer metrics, RecordConsumer otlp) implements RecordConsumer, Serializable {
    @Override
    public void accept(SpoolRecord r) {
      if (metrics != null) {
        metrics.accept(r);
      }
      otlp.accept(r);
    }

    @Override
    public void finish() {
      if (metrics != null) {
        metrics.finish();
      }
      otlp.finish();
    }
  }
}
