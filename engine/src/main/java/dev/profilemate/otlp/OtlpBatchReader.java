package dev.profilemate.otlp;

import dev.profilemate.session.SessionReader;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * A session's spools → the {@link OtlpBatch} of what the watermarks have not sent yet: requests
 * finished after them, steps after them. One pass over the merged timeline through an
 * {@link OtlpTap}, the state collect's incremental refreshes carry from one to the next.
 */
public final class OtlpBatchReader {
  private final RecordSchema schema;

  public OtlpBatchReader(RecordSchema schema) {
    this.schema = schema;
  }

  /**
   * @param over the session has ended (no process writes any more): each scheduler's last step goes
   *     out too, without a duration; while vLLM runs it waits for the step after it
   */
  public OtlpBatch read(Path session, OtlpBatch.Watermarks sent, boolean over) throws IOException {
    try (SessionReader reader = SessionReader.open(session, schema)) {
      OtlpTap tap = new OtlpTap(schema, reader, OtlpExport.name(session), over);
      Iterator<SpoolRecord> it = reader.merged();
      while (it.hasNext()) {
        tap.accept(it.next());
      }
      tap.finish();
      return tap.batch(sent);
    }
  }
}
