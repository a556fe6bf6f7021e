package dev.profilemate.session;

import dev.profilemate.spool.DroppedRange;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolFormatException;
import dev.profilemate.spool.SpoolReader;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.stream.Stream;

/**
 * Opens every spool of a session and merges their records onto one timeline, in order of
 * the shared monotonic clock (ties: process order, then file order). Streaming: one record
 * per process is held at a time. A spool that cannot be used (newer major version, unreadable,
 * empty, or without its metadata record) is skipped with a warning; the others are still read.
 */
public final class SessionReader implements AutoCloseable {
  public static final String RAW = "raw";
  public static final String SPOOL_SUFFIX = ".pmspool";

  private final Path dir;
  private final List<SpoolReader> readers = new ArrayList<>();
  private final List<ProcessInfo> processes = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  /** Dropped ranges of spools refused or skipped at open; the open readers keep their own. */
  private final List<DroppedRange> droppedAtOpen = new ArrayList<>();

  private SessionReader(Path dir) {
    this.dir = dir;
  }

  /** Opens a session folder (the one holding raw/), or a folder of spools itself. */
  public static SessionReader open(Path session, RecordSchema schema) throws IOException {
    return open(session, schema, false);
  }

  /** As {@link #open(Path, RecordSchema)}; strict: the first dropped range fails the read instead. */
  public static SessionReader open(Path session, RecordSchema schema, boolean strict) throws IOException {
    if (!Files.isDirectory(session, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(session + ": not a session directory");
    }
    Path raw = session.resolve(RAW);
    Path spools = Files.isDirectory(raw, LinkOption.NOFOLLOW_LINKS) ? raw : session;
    List<Path> files;
    try (Stream<Path> s = Files.list(spools)) {
      files =
          s.filter(p -> p.getFileName().toString().endsWith(SPOOL_SUFFIX))
              .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
              .sorted()
              .toList();
    }
    if (files.isEmpty()) {
      throw new IOException(session + ": no " + SPOOL_SUFFIX + " files in " + spools);
    }
    SessionReader r = new SessionReader(session);
    try {
      for (Path f : files) {
        r.add(f, schema, strict);
      }
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    if (r.readers.isEmpty()) {
      List<String> why = new ArrayList<>(r.warnings);
      r.droppedAtOpen.forEach(d -> why.add(d.describe()));
      throw new IOException(session + ": no readable spool (" + String.join("; ", why) + ")");
    }
    return r;
  }

  private void add(Path f, RecordSchema schema, boolean strict) throws IOException {
    SpoolReader sr;
    try {
      sr = SpoolReader.open(f, schema, readers.size(), strict);
    } catch (IOException e) {
      if (strict) {
        throw e;
      }
      // a newer major version, or a file that cannot be read: this process only is lost
      String why = e instanceof SpoolFormatException sfe ? sfe.problem() : "cannot read: " + e.getMessage();
      droppedAtOpen.add(new DroppedRange(f, 0, sizeOrZero(f), why, DroppedRange.UNKNOWN, ""));
      return;
    }
    if (sr.metadata() == null) {
      // a process killed before its first chunk, or one whose metadata chunk is lost
      warnings.add(f.getFileName() + (sr.dropped().isEmpty() ? ": empty or torn before its metadata; skipped"
          : ": no readable metadata record; skipped"));
      droppedAtOpen.addAll(sr.dropped());
      sr.close();
      return;
    }
    processes.add(ProcessInfo.of(readers.size(), f, sr.metadata()));
    readers.add(sr);
  }

  private static long sizeOrZero(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }

  public Path dir() {
    return dir;
  }

  public List<ProcessInfo> processes() {
    return List.copyOf(processes);
  }

  /** The session's zero: the earliest clock anchor of its processes. */
  public long startNs() {
    return processes.stream().mapToLong(ProcessInfo::monotonicAnchorNs).min().orElse(0);
  }

  public long startWallNs() {
    return processes.stream()
        .min(Comparator.comparingLong(ProcessInfo::monotonicAnchorNs))
        .map(ProcessInfo::wallAnchorNs)
        .orElse(0L);
  }

  /** Warnings gathered while reading, valid after the merged iteration is drained. */
  public List<String> warnings() {
    List<String> w = new ArrayList<>(warnings);
    dropped().forEach(d -> w.add(d.describe()));
    for (SpoolReader r : readers) {
      if (r.incomplete()) {
        w.add(r.file().getFileName() + ": ends in an incomplete chunk; the records before it are kept");
      }
      if (r.unknownRecordsSkipped() > 0) {
        w.add(r.file().getFileName() + ": skipped " + r.unknownRecordsSkipped() + " records of unknown types");
      }
    }
    return w;
  }

  /** Every range of every spool skipped as damaged, valid after the merged iteration is drained. */
  public List<DroppedRange> dropped() {
    List<DroppedRange> all = new ArrayList<>(droppedAtOpen);
    readers.forEach(r -> all.addAll(r.dropped()));
    return all;
  }

  public List<SpoolReader> spools() {
    return List.copyOf(readers);
  }

  /** All records of all processes, merged by time. Single use. */
  public Iterator<SpoolRecord> merged() {
    record Head(SpoolRecord rec, long seq) {}
    PriorityQueue<Head> heap =
        new PriorityQueue<>(
            Comparator.comparingLong((Head h) -> h.rec().tNs())
                .thenComparingInt(h -> h.rec().process())
                .thenComparingLong(Head::seq));
    long[] seq = new long[readers.size()];
    for (SpoolReader r : readers) {
      if (r.hasNext()) {
        heap.add(new Head(r.next(), 0));
      }
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return !heap.isEmpty();
      }

      @Override
      public SpoolRecord next() {
        Head h = heap.poll();
        if (h == null) {
          throw new NoSuchElementException();
        }
        SpoolReader r = readers.get(h.rec().process());
        if (r.hasNext()) {
          heap.add(new Head(r.next(), ++seq[h.rec().process()]));
        }
        return h.rec();
      }
    };
  }

  @Override
  public void close() {
    for (SpoolReader r : readers) {
      try {
        r.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
