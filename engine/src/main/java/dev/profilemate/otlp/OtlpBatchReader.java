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
      List<ProcessInfo> processes = reader.processes();
      SessionClock clock = new SessionClock(reader.startNs());
      List<RequestSpan> requests = new ArrayList<>();
      List<StepSample> steps = new ArrayList<>();
      Map<Long, Long> requestMarks = new HashMap<>(sent.requests());
      Map<Long, Long> stepMarks = new HashMap<>(sent.steps());
      List<RecordConsumer> consumers = List.of(
          new RequestSpans(schema, i -> processes.get(i).pid(), r -> {
            if (r.finishedNs() > sent.request(r.pid())) {
              requests.add(r);
              requestMarks.merge(r.pid(), r.finishedNs(), Math::max);
            }
          }),
          new StepSamples(clock, i -> processes.get(i).pid(), s -> {
            if (s.tNs() > sent.step(s.pid())) {
              steps.add(s);
              stepMarks.merge(s.pid(), s.tNs(), Math::max);
            }
          }, over));
      Iterator<SpoolRecord> it = reader.merged();
      while (it.hasNext()) {
        SpoolRecord r = it.next();
        for (RecordConsumer c : consumers) {
          c.accept(r);
        }
      }
      consumers.forEach(RecordConsumer::finish);
      return new OtlpBatch(session.toAbsolutePath().normalize().getFileName().toString(), reader.startNs(),
          reader.startWallNs(), List.copyOf(requests), List.copyOf(steps),
          new OtlpBatch.Watermarks(requestMarks, stepMarks));
    }
  }
}
