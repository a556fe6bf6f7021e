package dev.profilemate.otlp;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.session.ProcessInfo;
import dev.profilemate.session.SessionReader;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A session's spools → the {@link OtlpBatch} of what the watermarks have not sent yet: requests
 * finished after them, steps after them. One pass over the merged timeline.
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
      Pass pass = pass(session, reader, sent, over);
      Iterator<SpoolRecord> it = reader.merged();
      while (it.hasNext()) {
        pass.accept(it.next());
      }
      pass.finish();
      return pass.batch();
    }
  }

  /**
   * The same read as a consumer of a pass someone else makes over reader's merged timeline (collect
   * feeds it its export's pass, so a refresh reads the session once); {@link Pass#batch} after finish.
   */
  public Pass pass(Path session, SessionReader reader, OtlpBatch.Watermarks sent, boolean over) {
    return new Pass(session, reader, sent, over);
  }

  /** One read's consumers and what they kept. */
  public final class Pass implements RecordConsumer {
    private final Path session;
    private final SessionReader reader;
    private final List<RequestSpan> requests = new ArrayList<>();
    private final List<StepSample> steps = new ArrayList<>();
    private final Map<Long, Long> requestMarks;
    private final Map<Long, Long> stepMarks;
    private final List<RecordConsumer> consumers;

    private Pass(Path session, SessionReader reader, OtlpBatch.Watermarks sent, boolean over) {
      this.session = session;
      this.reader = reader;
      requestMarks = new HashMap<>(sent.requests());
      stepMarks = new HashMap<>(sent.steps());
      List<ProcessInfo> processes = reader.processes();
      consumers = List.of(
          new RequestSpans(schema, i -> processes.get(i).pid(), r -> {
            if (r.finishedNs() > sent.request(r.pid())) {
              requests.add(r);
              requestMarks.merge(r.pid(), r.finishedNs(), Math::max);
            }
          }),
          new StepSamples(new SessionClock(reader.startNs()), i -> processes.get(i).pid(), s -> {
            if (s.tNs() > sent.step(s.pid())) {
              steps.add(s);
              stepMarks.merge(s.pid(), s.tNs(), Math::max);
            }
          }, over));
    }

    @Override
    public void accept(SpoolRecord r) {
      for (RecordConsumer c : consumers) {
        c.accept(r);
      }
    }

    @Override
    public void finish() {
      consumers.forEach(RecordConsumer::finish);
    }

    /** What the pass found unsent; call after {@link #finish}. */
    public OtlpBatch batch() {
      return new OtlpBatch(session.toAbsolutePath().normalize().getFileName().toString(), reader.startNs(),
          reader.startWallNs(), List.copyOf(requests), List.copyOf(steps),
          new OtlpBatch.Watermarks(requestMarks, stepMarks));
    }
  }
}
