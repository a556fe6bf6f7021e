package dev.profilemate.session;

import dev.profilemate.common.Threads;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads an iterator (the merged spools: reading, checking and decoding) on a thread of its own,
 * a few batches ahead of the caller, who gets the same elements in the same order. An export
 * spent a third of its time there and two thirds aggregating and writing CSV: on two cores both
 * now run at once (issue 23). At most {@code BATCH * QUEUED} elements wait between the two.
 *
 * <p>Whatever the iterator throws is thrown to the caller where the element it failed on would
 * have come. {@link #close()} stops the thread (the caller failed, or stopped early) and waits
 * for it, so the spools it reads can be closed after.
 */
public final class ReadAhead<T> implements Iterator<T>, AutoCloseable {
  static final int BATCH = 256;
  static final int QUEUED = 4;

  /** What the thread hands over: elements, then an end (with what the iterator threw, if it did). */
  private record Batch(Object[] items, int count, RuntimeException failure, Error error, boolean end) {}

  private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(QUEUED);
  private final Thread thread;
  private Batch current = new Batch(new Object[0], 0, null, null, false);
  private int next;

  ReadAhead(Iterator<T> source) {
    thread = Thread.ofPlatform().daemon().name("profilemate-read-ahead").unstarted(() -> fill(source));
    thread.start();
  }

  /** Reads ahead on a second core; on a one-core machine the source itself (a thread would only cost). */
  public static <T> Iterator<T> of(Iterator<T> source) {
    return Runtime.getRuntime().availableProcessors() > 1 ? new ReadAhead<>(source) : source;
  }

  /** Stops a ReadAhead; anything else is left alone. */
  public static void close(Iterator<?> it) {
    if (it instanceof ReadAhead<?> r) {
      r.close();
    }
  }

  private void fill(Iterator<T> source) {
    try {
      Object[] items = new Object[BATCH];
      int n = 0;
      try {
        while (source.hasNext()) {
          T t = source.next(); // before n moves: a throw here leaves no empty slot behind
          items[n++] = t;
          if (n == BATCH) {
            queue.put(new Batch(items, n, null, null, false));
            items = new Object[BATCH];
            n = 0;
          }
        }
      } catch (RuntimeException e) {
        queue.put(new Batch(items, n, e, null, true));
        return;
      } catch (Error e) {
        queue.put(new Batch(items, n, null, e, true));
        return;
      }
      queue.put(new Batch(items, n, null, null, true));
    } catch (InterruptedException e) {
      // closed: the caller wants no more
    }
  }

  @Override
  public boolean hasNext() {
    while (next == current.count()) {
      if (current.end()) {
        if (current.failure() != null) {
          RuntimeException f = current.failure();
          current = new Batch(new Object[0], 0, null, null, true);
          next = 0;
          throw f;
        }
        if (current.error() != null) {
          Error f = current.error();
          current = new Batch(new Object[0], 0, null, null, true);
          next = 0;
          throw f;
        }
        return false;
      }
      try {
        current = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading the spools", e);
      }
      next = 0;
    }
    return true;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T t = (T) current.items()[next];
    current.items()[next++] = null; // the caller's to keep, not this batch's
    return t;
  }

  /** Tests: whether the reading thread still runs. */
  boolean threadAlive() {
    return thread.isAlive();
  }

  @Override
  public void close() {
    Threads.stop(thread);
  }
}
