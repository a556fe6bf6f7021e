package dev.profilemate.otlp;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.session.SessionReader;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
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
    private final OtlpBatchReader batches = new OtlpBatchReader(RecordSchema.bundled());
    private OtlpBatch.Watermarks sent;
    private OtlpSender sender;
    private OtlpBatchReader.Pass pending;
    private RuntimeException failure;

    /** Picks up where an earlier collect of this session to this endpoint stopped (otlp_sent.json). */
    public Live(Path session, OtlpEndpoint endpoint) throws IOException {
      this.session = session;
      this.endpoint = endpoint;
      this.sent = SentState.load(session, endpoint);
    }

    /**
     * For collect's export pass (SessionExporter's tap): this refresh's read of what is unsent.
     * over: the session has ended (last steps included). A fault here costs this refresh's send,
     * never the export: one line, and the next refresh reads again from the same watermarks.
     */
    public RecordConsumer tap(SessionReader reader, boolean over) {
      OtlpBatchReader.Pass pass = batches.pass(session, reader, sent, over);
      pending = pass;
      failure = null;
      return new RecordConsumer() {
        @Override
        public void accept(SpoolRecord r) {
          guard(() -> pass.accept(r));
        }

        @Override
        public void finish() {
          guard(pass::finish);
        }
      };
    }

    private void guard(Runnable r) {
      if (failure != null) {
        return;
      }
      try {
        r.run();
      } catch (RuntimeException e) {
        failure = e;
      }
    }

    /** After a refresh whose export pass went through {@link #tap}: sends what it found unsent. */
    public OtlpSender.Sent afterRefresh() throws IOException {
      OtlpBatchReader.Pass pass = pending;
      pending = null;
      if (failure != null) {
        throw new IOException("reading the session for OTLP failed: " + failure, failure);
      }
      if (pass == null) {
        return new OtlpSender.Sent(0, 0, 0, null);
      }
      OtlpBatch batch = pass.batch();
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
