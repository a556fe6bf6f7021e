package dev.profilemate.common;

/** Ending the engine's own helper threads (the read-ahead and the side lane of an export). */
public final class Threads {
  private Threads() {}

  /**
   * Interrupts the thread and waits until it has ended, however often the caller is interrupted
   * meanwhile (its interrupt is put back afterwards): a closed reader or lane must not still touch
   * the files or aggregators the caller goes on to use.
   */
  public static void stop(Thread thread) {
    thread.interrupt();
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
