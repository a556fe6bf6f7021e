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
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.PriorityQueue;
import java.util.stream.Stream;

/**
 * Opens every spool of a session and merges their records onto one timeline, in order of
 * the shared monotonic clock (ties: process order, then file order). Streaming: one record
 * per process is held at a time. A spool that cannot be used (newer major version, unreadable,
 * empty, or without its metadata record) is skipped with a warning; the others are still read.
 *
 * <p>A process's spool may be a run of segments ({@link SegmentName}), read in order as one
 * stream ({@link ProcessSpool}). Segments the disk budget deleted are listed in raw/segments.jsonl
 * before they go: they are stated losses ({@link #budgetDrops()}), not damage. The index is read
 * before the folder is listed, so every segment is either read whole or stated as dropped, even
 * while the probe rotates and deletes segments under the reader.
 */
public final class SessionReader implements AutoCloseable, SessionView {
  public static final String RAW = "raw";
  public static final String SPOOL_SUFFIX = ".pmspool";

  private final Path dir;
  private final List<ProcessSpool> readers = new ArrayList<>();
  private final List<ProcessInfo> processes = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  /** Dropped ranges of spools refused or skipped at open; the open readers keep their own. */
  private final List<DroppedRange> droppedAtOpen = new ArrayList<>();
  /** Segments the disk budget deleted (raw/segments.jsonl), none of which was read. */
  private final List<SegmentIndex.Dropped> budgetDropped = new ArrayList<>();

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
    // before the listing: a segment deleted after this read is either listed (and read) or in a later read
    SegmentIndex index = SegmentIndex.read(spools);
    List<Path> files;
    try (Stream<Path> s = Files.list(spools)) {
      files =
          s.filter(p -> p.getFileName().toString().endsWith(SPOOL_SUFFIX))
              .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
              .sorted()
              .toList();
    }
    if (files.isEmpty() && index.allDropped().isEmpty()) {
      throw new IOException(session + ": no " + SPOOL_SUFFIX + " files in " + spools);
    }
    // stream name -> segment number -> file; a stream's process index follows its name's order
    Map<String, TreeMap<Integer, Path>> streams = new TreeMap<>();
    for (Path f : files) {
      SegmentName n = SegmentName.of(f.getFileName().toString());
      streams.computeIfAbsent(n.streamFileName(), k -> new TreeMap<>()).put(n.segment(), f);
    }
    SessionReader r = new SessionReader(session);
    r.budgetDropped.addAll(index.allDropped().values());
    try {
      for (Map.Entry<String, TreeMap<Integer, Path>> e : streams.entrySet()) {
        r.addStream(spools, spools.resolve(e.getKey()), e.getValue(), index, schema, strict);
      }
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    if (!r.readers.isEmpty()) {
      r.alignNodes(schema);
    }
    if (r.readers.isEmpty()) {
      List<String> why = new ArrayList<>(r.warnings);
      r.droppedAtOpen.forEach(d -> why.add(d.describe()));
      if (!r.budgetDropped.isEmpty()) {
        why.add("the disk budget dropped " + r.budgetDropped.size() + " segments, the rest were rotated away while"
            + " being listed: read again");
      }
      throw new IOException(session + ": no readable spool (" + String.join("; ", why) + ")");
    }
    return r;
  }

  /**
   * Processes of one node share CLOCK_MONOTONIC (the probe's t_ns), so their records merge on it
   * as they are. A process of another node (its metadata's host differs) has a clock of its own:
   * it is put on the session's through wall time (issue 25): the reference is the process whose
   * wall anchor is the earliest, and each other-node process is moved by its wall-minus-monotonic
   * offset less the reference's. The nodes' wall clocks are taken to agree (NTP, PTP): how far they
   * do is not in the spools, and adds to the error metadata.json states.
   */
  private void alignNodes(RecordSchema schema) {
    ProcessInfo ref = processes.stream().min(java.util.Comparator.comparingLong(ProcessInfo::wallAnchorNs)
        .thenComparingInt(ProcessInfo::index)).orElseThrow();
    String refNode = ref.metadata().path("host").asText("");
    referenceNode = refNode;
    long refOffset = ref.wallAnchorNs() - ref.monotonicAnchorNs();
    dev.profilemate.spool.RecordType anchor = schema.byName("clock_anchor");
    for (int i = 0; i < processes.size(); i++) {
      ProcessInfo p = processes.get(i);
      if (p.metadata().path("host").asText("").equals(refNode)) {
        continue;
      }
      long own = p.wallAnchorNs() - p.monotonicAnchorNs();
      readers.get(i).align(own, refOffset, anchor == null ? -1 : anchor.id());
      processes.set(i, new ProcessInfo(p.index(), p.spool(), p.pid(), p.role(), p.rank(),
          p.monotonicAnchorNs() + own - refOffset, p.wallAnchorNs(), p.metadata()));
      shifted.add(i);
    }
  }

  private String referenceNode = "";
  private final java.util.Set<Integer> shifted = new java.util.TreeSet<>();

  @Override
  public String referenceNode() {
    return referenceNode;
  }

  @Override
  public boolean alignedByWallClock(int process) {
    return shifted.contains(process);
  }

  @Override
  public long clockShiftNs(int process) {
    return readers.get(process).shiftNs();
  }

  /** One process: its segments in order (or its one file), less those the budget dropped. */
  private void addStream(Path dir, Path stream, TreeMap<Integer, Path> files, SegmentIndex index,
      RecordSchema schema, boolean strict) throws IOException {
    List<SpoolReader> open = new ArrayList<>();
    int expect = 0;
    try {
      for (Map.Entry<Integer, Path> e : files.entrySet()) {
        int seg = e.getKey();
        Path f = e.getValue();
        if (seg >= 0) {
          for (int k = expect; k < seg; k++) {
            missingSegment(dir, SegmentName.of(f.getFileName().toString()).stem(), k, index, strict);
          }
          expect = seg + 1;
          if (index.dropped(f.getFileName().toString()) != null) {
            continue; // dropped by the budget, not deleted yet: stated, not read
          }
        }
        SpoolReader sr;
        try {
          sr = SpoolReader.open(f, schema, readers.size(), strict);
        } catch (java.nio.file.NoSuchFileException gone) {
          // deleted by the budget between the listing and now: the index says so by then (read it
          // afresh: a copy read a moment ago may predate this very drop)
          SegmentIndex.Dropped d = SegmentIndex.read(dir).dropped(f.getFileName().toString());
          if (d != null) {
            budgetDropped.add(d);
          } else {
            damage(new DroppedRange(f, 0, 0, "deleted while being read, not by the disk budget",
                DroppedRange.UNKNOWN, ""), strict);
          }
          continue;
        } catch (IOException ex) {
          if (strict) {
            throw ex;
          }
          // a newer major version, or a file that cannot be read: this process (segment) only is lost
          String why = ex instanceof SpoolFormatException sfe ? sfe.problem() : "cannot read: " + ex.getMessage();
          droppedAtOpen.add(new DroppedRange(f, 0, sizeOrZero(f), why, DroppedRange.UNKNOWN, ""));
          continue;
        }
        if (sr.metadata() == null) {
          // a process killed before its first chunk, or one whose metadata chunk is lost
          warnings.add(f.getFileName() + (sr.dropped().isEmpty() ? ": empty or torn before its metadata; skipped"
              : ": no readable metadata record; skipped"));
          droppedAtOpen.addAll(sr.dropped());
          sr.close();
          continue;
        }
        open.add(sr);
      }
    } catch (IOException | RuntimeException e) {
      for (SpoolReader sr : open) {
        sr.close();
      }
      throw e;
    }
    if (open.isEmpty()) {
      return;
    }
    Path name = files.size() == 1 && files.firstKey() < 0 ? files.firstEntry().getValue() : stream;
    processes.add(ProcessInfo.of(readers.size(), name, open.getFirst().metadata()));
    readers.add(new ProcessSpool(name, open));
  }

  /**
   * Segment k of a stream is absent: a stated drop when the index (read again if need be: the
   * budget may have deleted it since the first read) lists it, else a loss of unknown size.
   */
  private void missingSegment(Path dir, String stem, int k, SegmentIndex index, boolean strict) throws IOException {
    String name = stem + "." + k + SPOOL_SUFFIX;
    if (index.dropped(name) != null || index.outsideCapture(name)) {
      return; // already among budgetDropped, or a capture's index leaves it out on purpose
    }
    SegmentIndex.Dropped d = SegmentIndex.read(dir).dropped(name); // afresh: rare, and never stale
    if (d != null) {
      budgetDropped.add(d);
    } else {
      damage(new DroppedRange(dir.resolve(name), 0, 0,
          "segment missing: not in the folder and not dropped by the disk budget (raw/segments.jsonl)",
          DroppedRange.UNKNOWN, ""), strict);
    }
  }

  /** A segment lost without a budget line: a dropped range, or (strict) the end of the read. */
  private void damage(DroppedRange d, boolean strict) throws SpoolFormatException {
    if (strict) {
      throw new SpoolFormatException(d.file(), 0, d.cause());
    }
    droppedAtOpen.add(d);
  }

  private static long sizeOrZero(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public Path dir() {
    return dir;
  }

  @Override
  public List<ProcessInfo> processes() {
    return List.copyOf(processes);
  }

  /** Warnings gathered while reading, valid after the merged iteration is drained. */
  @Override
  public List<String> warnings() {
    List<String> w = new ArrayList<>(warnings);
    dropped().forEach(d -> w.add(d.describe()));
    budgetDrops().forEach(d -> w.add(d.describe(startNs())));
    for (ProcessSpool p : readers) {
      for (SpoolReader r : p.segments()) {
        if (r.incomplete()) {
          w.add(r.file().getFileName() + ": ends in an incomplete chunk; the records before it are kept");
        }
      }
      if (p.unknownRecordsSkipped() > 0) {
        w.add(p.file().getFileName() + ": skipped " + p.unknownRecordsSkipped() + " records of unknown types");
      }
    }
    return w;
  }

  /** Runs of segments the disk budget deleted: known losses, said in the warnings, not damage. */
  public List<BudgetDrop> budgetDrops() {
    return BudgetDrop.group(budgetDropped);
  }

  /** Every range of every spool skipped as damaged, valid after the merged iteration is drained. */
  public List<DroppedRange> dropped() {
    List<DroppedRange> all = new ArrayList<>(droppedAtOpen);
    readers.forEach(r -> all.addAll(r.dropped()));
    return all;
  }

  @Override
  public Path streamFile(int process) {
    return readers.get(process).file();
  }

  @Override
  public boolean closedCleanly(int process) {
    return readers.get(process).closedCleanly();
  }

  @Override
  public boolean incomplete(int process) {
    return readers.get(process).incomplete();
  }

  /**
   * State records read as copies a segment carries (spool SPEC, "Segments and the disk budget"):
   * read because the segment before was dropped or left out, so not records of their own time.
   */
  public long carriedRecordsRead() {
    return readers.stream().mapToLong(ProcessSpool::carriedRead).sum();
  }

  public List<ProcessSpool> spools() {
    return List.copyOf(readers);
  }

  /** All records of all processes, merged by time. Single use. */
  public Iterator<SpoolRecord> merged() {
    return readers.size() <= FEW_PROCESSES ? mergedByScan() : mergedByHeap();
  }

  /** Up to this many processes the next record is found by a scan of their heads, not a heap. */
  private static final int FEW_PROCESSES = 16;

  /**
   * The same order as {@link #mergedByHeap()} (time, then process; one head per process, so no
   * two heads tie on both): a scan of a few heads costs less per record than a heap's compares
   * through comparator lambdas and a holder object per record (issue 23).
   */
  private Iterator<SpoolRecord> mergedByScan() {
    SpoolRecord[] heads = new SpoolRecord[readers.size()];
    for (int i = 0; i < heads.length; i++) {
      ProcessSpool r = readers.get(i);
      heads[i] = r.hasNext() ? r.next() : null;
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        for (SpoolRecord h : heads) {
          if (h != null) {
            return true;
          }
        }
        return false;
      }

      @Override
      public SpoolRecord next() {
        int min = -1;
        for (int i = 0; i < heads.length; i++) {
          // strictly earlier only: of equal times the lower process index (the first seen) goes first
          if (heads[i] != null && (min < 0 || heads[i].tNs() < heads[min].tNs())) {
            min = i;
          }
        }
        if (min < 0) {
          throw new NoSuchElementException();
        }
        SpoolRecord h = heads[min];
        ProcessSpool r = readers.get(min);
        heads[min] = r.hasNext() ? r.next() : null;
        return h;
      }
    };
  }

  private Iterator<SpoolRecord> mergedByHeap() {
    record Head(SpoolRecord rec, long seq) {}
    PriorityQueue<Head> heap =
        new PriorityQueue<>(
            Comparator.comparingLong((Head h) -> h.rec().tNs())
                .thenComparingInt(h -> h.rec().process())
                .thenComparingLong(Head::seq));
    long[] seq = new long[readers.size()];
    for (ProcessSpool r : readers) {
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
        ProcessSpool r = readers.get(h.rec().process());
        if (r.hasNext()) {
          heap.add(new Head(r.next(), ++seq[h.rec().process()]));
        }
        return h.rec();
      }
    };
  }

  @Override
  public void close() {
    for (ProcessSpool r : readers) {
      try {
        r.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
