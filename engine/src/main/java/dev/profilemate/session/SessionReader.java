package dev.profilemate.session;

import dev.profilemate.spool.RecordSchema;
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
 * per process is held at a time.
 */
public final class SessionReader implements AutoCloseable {
  public static final String RAW = "raw";
  public static final String SPOOL_SUFFIX = ".pmspool";

  private final Path dir;
  private final List<SpoolReader> readers = new ArrayList<>();
  private final List<ProcessInfo> processes = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private SessionReader(Path dir) {
    this.dir = dir;
  }

  /** Opens a session folder (the one holding raw/), or a folder of spools itself. */
  public static SessionReader open(Path session, RecordSchema schema) throws IOException {
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
        SpoolReader sr = SpoolReader.open(f, schema, r.readers.size());
        if (sr.metadata() == null) {
          r.warnings.add(f.getFileName() + ": empty or torn before its metadata; skipped");
          sr.close();
          continue;
        }
        r.processes.add(ProcessInfo.of(r.readers.size(), f, sr.metadata()));
        r.readers.add(sr);
      }
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    if (r.readers.isEmpty()) {
      throw new IOException(session + ": no readable spool");
    }
    return r;
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
