package dev.profilemate.live;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.spool.RecordSchema;
import java.io.PrintStream;
import java.util.Optional;

/**
 * collect's live /metrics: a {@link LiveAccumulator} rides along each refresh's read of the spools
 * ({@link #carried}), {@link #publish} swaps its snapshot into the served view. A fault in here costs
 * only the metrics: one line, the previous snapshot stays served, the session files are written.
 */
public final class LiveMetrics implements AutoCloseable {
  private final MetricsView view;
  private final MetricsServer server;
  private final boolean moeExperts;
  private final PrintStream err;
  private LiveAccumulator pending;
  private boolean failed;

  /** Listens on bind:port; empty (after one line on err) when it cannot. */
  public static Optional<LiveMetrics> start(String bind, int port, boolean moeExperts, PrintStream err) {
    MetricsView view = new MetricsView();
    return MetricsServer.start(bind, port, view, err).map(s -> new LiveMetrics(s, moeExperts, err, view));
  }

  private LiveMetrics(MetricsServer server, boolean moeExperts, PrintStream err, MetricsView view) {
    this.server = server;
    this.moeExperts = moeExperts;
    this.err = err;
    this.view = view;
  }

  public int port() {
    return server.port();
  }

  /**
   * For collect's incremental refreshes: the accumulator carried over from the last refresh (prev,
   * restored from its checkpoint; null: the session is read from its start), told of the processes
   * found so far. It is fed only the new records: its counters go on counting across refreshes and
   * collector restarts. {@link #publish} then serves it.
   */
  public RecordConsumer carried(dev.profilemate.session.SessionView view, Object prev) {
    LiveAccumulator acc = prev instanceof LiveAccumulator a ? a
        : new LiveAccumulator(RecordSchema.bundled(), view.processes(), moeExperts);
    acc.processes(view.processes());
    pending = acc;
    failed = false;
    return acc;
  }

  /** After a refresh that wrote the session files: serve what its read saw. finished: the final export. */
  public void publish(boolean finished) {
    LiveAccumulator acc = pending;
    pending = null;
    // before vLLM's config reaches the spool the model is unknown: serving model_name="unknown" now
    // and the real name later would split every series in two, so wait (unless this is the last read)
    if (acc == null || failed || (!finished && !acc.modelKnown())) {
      return;
    }
    guard(() -> view.publish(acc.snapshot(finished, System.currentTimeMillis() / 1e3)));
  }

  private void guard(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      failed = true;
      err.println("collect: live metrics skipped this refresh (" + e + "); /metrics keeps the previous values");
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
