package dev.profilemate.otlp;

import dev.profilemate.aggregate.RecordConsumer;
import dev.profilemate.aggregate.SessionClock;
import dev.profilemate.session.SessionView;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;

/**
 * What the OTLP export keeps from the records it was fed: the requests in flight and each
 * scheduler's unbounded step ({@link RequestSpans}, {@link StepSamples}), and the requests finished
 * and steps bounded that may not have been sent yet. A whole read feeds it the session once
 * ({@link OtlpBatchReader}); collect's incremental refreshes feed it only the new records and
 * checkpoint it with the other aggregators (Serializable), so the requests in flight survive a
 * refresh and a restarted collector. What a send carries is decided by the watermarks
 * ({@link #batch}), never by what this state remembers: a state from before a send, thawed again,
 * sends nothing twice.
 */
final class OtlpTap implements RecordConsumer, Serializable {
  private interface Sink<T> extends Consumer<T>, Serializable {}

  private interface PidOf extends IntToLongFunction, Serializable {}

  private final RequestSpans requests;
  private final StepSamples steps;
  private final ArrayList<RequestSpan> finished = new ArrayList<>();
  private final ArrayList<StepSample> bounded = new ArrayList<>();
  /** Each process's pid by index, as the session's processes were last listed. */
  private final ArrayList<Long> pids = new ArrayList<>();
  private final String session;
  private long startNs;
  private long startWallNs;

  OtlpTap(RecordSchema schema, SessionView view, String session, boolean over) {
    this.session = session;
    // methods of this class, not finished::add and bounded::add: two serializable lambdas of one
    // method and interface would deserialize as the same one
    PidOf pidOf = this::pid;
    requests = new RequestSpans(schema, pidOf, (Sink<RequestSpan>) this::finished);
    steps = new StepSamples(new SessionClock(view.startNs()), pidOf, (Sink<StepSample>) this::bounded, over);
    attach(view, over);
  }

  /**
   * Before a refresh feeds it: the processes found so far (a process's index never changes), and
   * whether the session has ended (then each scheduler's last step goes out at {@link #finish}).
   */
  void attach(SessionView view, boolean over) {
    pids.clear();
    view.processes().forEach(p -> pids.add(p.pid()));
    // the clock anchor of the session as it stands (a whole read's is that of all its processes)
    startNs = view.startNs();
    startWallNs = view.startWallNs();
    steps.last(over);
  }

  private void finished(RequestSpan r) {
    finished.add(r);
  }

  private void bounded(StepSample s) {
    bounded.add(s);
  }

  private long pid(int process) {
    return pids.get(process);
  }

  /** Forgets what the watermarks say was sent: the checkpoint then holds at most one refresh's finds. */
  void forget(OtlpBatch.Watermarks sent) {
    finished.removeIf(r -> r.finishedNs() <= sent.request(r.pid()));
    bounded.removeIf(s -> s.tNs() <= sent.step(s.pid()));
  }

  @Override
  public boolean wants(String name) {
    return requests.wants(name) || steps.wants(name);
  }

  @Override
  public void accept(SpoolRecord r) {
    requests.accept(r);
    steps.accept(r);
  }

  @Override
  public void finish() {
    requests.finish();
    steps.finish();
  }

  /** What the watermarks have not sent of what this state found, with the watermarks after it. */
  OtlpBatch batch(OtlpBatch.Watermarks sent) {
    Map<Long, Long> requestMarks = new HashMap<>(sent.requests());
    Map<Long, Long> stepMarks = new HashMap<>(sent.steps());
    List<RequestSpan> outRequests = new ArrayList<>();
    for (RequestSpan r : finished) {
      if (r.finishedNs() > sent.request(r.pid())) {
        outRequests.add(r);
        requestMarks.merge(r.pid(), r.finishedNs(), Math::max);
      }
    }
    List<StepSample> outSteps = new ArrayList<>();
    for (StepSample s : bounded) {
      if (s.tNs() > sent.step(s.pid())) {
        outSteps.add(s);
        stepMarks.merge(s.pid(), s.tNs(), Math::max);
      }
    }
    return new OtlpBatch(session, startNs, startWallNs, List.copyOf(outRequests), List.copyOf(outSteps),
        new OtlpBatch.Watermarks(requestMarks, stepMarks));
  }
}
