package dev.profilemate.aggregate;

import dev.profilemate.common.Threads;
import dev.profilemate.spool.SpoolRecord;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;

/**
 * Feeds a group of consumers on a thread of its own (issue 23): an export's aggregating and CSV
 * writing was one thread's work while the second core only decoded spools, a fraction of it.
 * Records are handed over in batches through a bounded queue; each consumer of the group sees the
 * same records in the same order as before, only on another thread, so its output is unchanged.
 * The group must not share state with the consumers left on the caller's thread (here: each
 * aggregator owns its CSVs and totals; the clock and schema are immutable).
 *
 * <p>{@link #await()} returns once every record handed over so far has been fed (its consumers'
 * state may then be read, finished or checkpointed on the caller's thread); what a consumer threw
 * is thrown there, or at the next hand-over. {@link #finish()} does nothing: the caller finishes
 * the group's consumers itself, after await(), in its own order. {@link #close()} stops the thread.
 */
public final class SideLane implements RecordConsumer, AutoCloseable {
  static final int BATCH = 512;
  static final int QUEUED = 8;
  /** Handed over by await(): the thread answers it once everything before it was fed. */
  private static final SpoolRecord[] SYNC = new SpoolRecord[0];

  private final List<RecordConsumer> consumers;
  private final RecordDispatch dispatch;
  private final BlockingQueue<SpoolRecord[]> queue = new ArrayBlockingQueue<>(QUEUED);
  private final SynchronousQueue<Object> replies = new SynchronousQueue<>();
  private final Thread thread;
  private SpoolRecord[] batch = new SpoolRecord[BATCH];
  private int n;
  /** What a consumer threw on the lane's thread; the lane only drains the queue after it. */
  private volatile Throwable failure;

  private SideLane(List<RecordConsumer> consumers) {
    this.consumers = List.copyOf(consumers);
    this.dispatch = new RecordDispatch(this.consumers);
    thread = Thread.ofPlatform().daemon().name("profilemate-side-lane").unstarted(this::run);
    thread.start();
  }

  /** The consumers on a thread of their own, started: feed it, then {@link #await} and {@link #close}. */
  public static SideLane of(List<RecordConsumer> consumers) {
    return new SideLane(consumers);
  }

  /** Whether a lane pays on this machine: on one core a second thread would only cost (the caller feeds the group). */
  public static boolean pays() {
    return Runtime.getRuntime().availableProcessors() > 1;
  }

  @Override
  public boolean wants(String recordName) {
    for (RecordConsumer c : consumers) {
      if (c.wants(recordName)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void accept(SpoolRecord r) {
    batch[n++] = r;
    if (n == BATCH) {
      handOver();
    }
  }

  private void handOver() {
    rethrow();
    put(batch);
    batch = new SpoolRecord[BATCH]; // the full one is the lane's now
    n = 0;
  }

  /** Returns once every record accepted so far has been fed to the group; rethrows what it threw. */
  public void await() {
    if (n > 0) {
      handOver(); // a short batch: the nulls after its records end it
    }
    put(SYNC);
    try {
      replies.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the side lane", e);
    }
    rethrow();
  }

  private void put(SpoolRecord[] b) {
    try {
      queue.put(b);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while handing records to the side lane", e);
    }
  }

  private void rethrow() {
    Throwable f = failure;
    if (f instanceof RuntimeException e) {
      throw e;
    }
    if (f instanceof Error e) {
      throw e;
    }
  }

  private void run() {
    try {
      while (true) {
        SpoolRecord[] b = queue.take();
        if (b == SYNC) {
          replies.put(Boolean.TRUE);
          continue;
        }
        if (failure != null) {
          continue; // drained, not fed: the caller gets the failure at its next hand-over or await
        }
        try {
          for (SpoolRecord r : b) {
            if (r == null) {
              break;
            }
            dispatch.accept(r);
          }
        } catch (RuntimeException | Error e) {
          failure = e;
        }
      }
    } catch (InterruptedException e) {
      // closed
    }
  }

  /** Tests: whether the lane's thread still runs. */
  boolean threadAlive() {
    return thread.isAlive();
  }

  @Override
  public void close() {
    Threads.stop(thread);
  }
}
