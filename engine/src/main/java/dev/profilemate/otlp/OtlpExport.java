package dev.profilemate.otlp;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.session.SessionView;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The two ways a session goes to an OTLP endpoint: {@link #once} for a finished session
 * (`export --otlp`: everything, every time), and {@link Live} beside a running vLLM (`collect
 * --otlp`: after each refresh, what finished since the last send, never twice).
 */
public final class OtlpExport {
  private OtlpExport() {}

  /** Sends every finished request and every step of a session. */
  public static OtlpSender.Sent once(Path session, OtlpEndpoint endpoint) throws IOException {
    OtlpBatch batch = new OtlpBatchReader(RecordSchema.bundled()).read(session, OtlpBatch.Watermarks.NONE, true);
    try (OtlpSender sender = new OtlpSender(endpoint, batch.session())) {
      return sender.send(batch);
    }
  }

  /** The session's name as the spans' resource says it: its folder's. */
  static String name(Path session) {
    return session.toAbsolutePath().normalize().getFileName().toString();
  }

  /**
   * One collect's sender: its metrics are cumulative over the collect's life. It rides on collect's
   * incremental refreshes as a tap ({@link #carried}): its state ({@link OtlpTap}: the requests in
   * flight, what was found and not yet sent) is checkpointed with the session files' aggregators, so
   * a refresh reads only the new records; otlp_sent.json's per-pid watermarks decide what a send
   * carries, so a state thawed from before a send (a restarted collector) sends nothing twice, and
   * one thawed from after a refresh whose send never happened (killed in between) still sends it.
   */
  public static final class Live implements AutoCloseable {
    private final Path session;
    private final OtlpEndpoint endpoint;
    private OtlpBatch.Watermarks sent;
    private OtlpSender sender;
    private OtlpTap pending;

    /** Picks up where an earlier collect of this session to this endpoint stopped (otlp_sent.json). */
    public Live(Path session, OtlpEndpoint endpoint) throws IOException {
      this.session = session;
      this.endpoint = endpoint;
      this.sent = SentState.load(session, endpoint);
    }

    /** The endpoint, for the checkpoint's stamp: a state kept for one endpoint is not another's. */
    public String endpoint() {
      return endpoint.toString();
    }

    /**
     * For collect's incremental refreshes (LiveExport's tap): the state carried from the last
     * refresh (prev, thawed from the checkpoint; null: the session is read from its start), fed only
     * the new records. over: the session has ended (the last steps go out too). The refresh guards
     * it: a fault costs this refresh's send (see {@link #skipped}), and the next refresh reads the
     * session from its start, the watermarks keeping what was sent from going again.
     */
    public RecordConsumer carried(SessionView view, Object prev, boolean over) {
      OtlpTap tap;
      if (prev instanceof OtlpTap t) {
        tap = t;
        tap.attach(view, over);
        tap.forget(sent);
      } else {
        tap = new OtlpTap(RecordSchema.bundled(), view, name(session), over);
      }
      pending = tap;
      return tap;
    }

    /** The refresh that fed the tap failed: nothing of it is sent. */
    public void skipped() {
      pending = null;
    }

    /** After a refresh that fed {@link #carried}'s tap: sends what it found unsent. */
    public OtlpSender.Sent afterRefresh() throws IOException {
      OtlpTap tap = pending;
      pending = null;
      if (tap == null) {
        return new OtlpSender.Sent(0, 0, 0, null);
      }
      OtlpBatch batch = tap.batch(sent);
      if (batch.requests().isEmpty() && batch.steps().isEmpty()) {
        return new OtlpSender.Sent(0, 0, 0, null);
      }
      SentState.save(session, endpoint, batch.sentThrough()); // before the send: never twice
      sent = batch.sentThrough();
      if (sender == null) {
        sender = new OtlpSender(endpoint, batch.session());
      }
      return sender.send(batch);
    }

    @Override
    public void close() {
      if (sender != null) {
        sender.close();
      }
    }
  }
}
