package dev.profilemate.otlp;

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

  /** One collect's sender: its metrics are cumulative over the collect's life. */
  public static final class Live implements AutoCloseable {
    private final Path session;
    private final OtlpEndpoint endpoint;
    private final OtlpBatchReader reader = new OtlpBatchReader(RecordSchema.bundled());
    private OtlpBatch.Watermarks sent;
    private OtlpSender sender;

    /** Picks up where an earlier collect of this session to this endpoint stopped (otlp_sent.json). */
    public Live(Path session, OtlpEndpoint endpoint) throws IOException {
      this.session = session;
      this.endpoint = endpoint;
      this.sent = SentState.load(session, endpoint);
    }

    /** Sends what finished since the last send; over: the session has ended (last steps included). */
    public OtlpSender.Sent afterRefresh(boolean over) throws IOException {
      OtlpBatch batch = reader.read(session, sent, over);
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
