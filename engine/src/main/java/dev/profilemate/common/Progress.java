package dev.profilemate.common;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One status line on stderr while something slow runs: "export: reading spools, 1,234,567
 * records (4 s)". It shows only after {@link #delayMs()} (a quick command prints nothing), is
 * redrawn in place every half second and erased when done, so it never lands in a log or
 * between two lines of output. Only when stderr is a terminal: the JVM cannot tell, so the
 * launcher passes -Dprofilemate.stderrTty=1 when [ -t 2 ]; PROFILEMATE_PROGRESS=1/0 (or
 * -Dprofilemate.progress) forces it on or off.
 */
public final class Progress implements AutoCloseable {
  /** Does nothing: for callers without a terminal, and for library use. */
  public static final Progress NONE = new Progress(null, "", 0);

  private final PrintStream err;
  private final String command;
  private final long startNs = System.nanoTime();
  private final AtomicLong count = new AtomicLong(-1);
  private final ScheduledExecutorService ticker;
  private volatile String phase = "";
  private volatile String unit = "";
  private boolean drawn;
  private boolean closed;

  private Progress(PrintStream err, String command, long delayMs) {
    this.err = err;
    this.command = command;
    if (err == null) {
      ticker = null;
      return;
    }
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "profilemate-progress");
      t.setDaemon(true); // a forgotten close must not keep the JVM alive
      return t;
    });
    ticker.scheduleAtFixedRate(this::draw, delayMs, 500, TimeUnit.MILLISECONDS);
  }

  /** A status line for command on System.err, or {@link #NONE} when stderr is not a terminal. */
  public static Progress start(String command) {
    return enabled() ? new Progress(System.err, command, delayMs()) : NONE;
  }

  static boolean enabled() {
    String forced = System.getProperty("profilemate.progress", System.getenv("PROFILEMATE_PROGRESS"));
    if (forced != null && !forced.isBlank()) {
      return forced.equals("1");
    }
    return "1".equals(System.getProperty("profilemate.stderrTty"));
  }

  /** How long a step may run before the line shows (tests shorten it). */
  static long delayMs() {
    return Long.getLong("profilemate.progressDelayMs", 2000);
  }

  /** What is being done now, e.g. "reading spools"; resets the count. */
  public void phase(String text) {
    phase = text;
    unit = "";
    count.set(-1);
  }

  /** A running count shown after the phase, e.g. count(n, "records"); cheap enough per record batch. */
  public void count(long n, String what) {
    unit = what;
    count.set(n);
  }

  private synchronized void draw() {
    if (err == null || closed) {
      return;
    }
    long n = count.get();
    String line = String.format(Locale.ROOT, "%s: %s%s (%d s)", command, phase,
        n >= 0 ? String.format(Locale.ROOT, ", %,d %s", n, unit) : "", (System.nanoTime() - startNs) / 1_000_000_000L);
    err.print("\r\033[K" + line);
    err.flush();
    drawn = true;
  }

  @Override
  public synchronized void close() {
    if (ticker == null) {
      return;
    }
    closed = true;
    ticker.shutdownNow();
    if (drawn) {
      err.print("\r\033[K"); // erase the status line: what follows starts on a clean line
      err.flush();
      drawn = false;
    }
  }
}
