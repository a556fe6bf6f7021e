package dev.profilemate.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolReader;
import dev.profilemate.spool.SpoolRecord;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A live session read a refresh at a time (collect, issue 23): each {@link #refresh} reads only the
 * spool bytes added since the last one and hands on the records whose place on the merged timeline
 * is settled, in the order {@link SessionReader#merged()} gives them over the whole session.
 *
 * <p>The merge takes the earliest head of all processes, as the whole read does; a process that has
 * no record to offer yet but may still write holds the merge there (its next record may come
 * first), and the records after that point are read again by the next refresh, from the position
 * after the last record handed on. So a session grown in steps reads, in total, as one read.
 *
 * <p>Whatever a refresh cannot continue exactly ends it with a {@link Mismatch}: the caller then
 * reads the session again from the start (a process appearing where the merge has gone past, a
 * rewritten or vanished spool, a segment the disk budget dropped before it was read) or, for
 * damage and records of unknown types, which only the whole read accounts for, leaves the session
 * to it ({@link Mismatch#wholeReadOnly}).
 *
 * <p>Processes of another node are put on the session's clock as the whole read does (issue 25):
 * the reference is the process whose wall anchor is the earliest, and each process of another node
 * follows its own clock anchors from there ({@link ProcessSpool#align}), so collect's files show the
 * times the export shows. A process found later with an earlier wall anchor than the reference's
 * would change every time handed on: the session is then read again from the start.
 */
public final class LiveSession implements SessionView {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why a refresh cannot go on from the state it was given. */
  public static final class Mismatch extends Exception {
    private final boolean wholeReadOnly;

    public Mismatch(String why, boolean wholeReadOnly) {
      super(why);
      this.wholeReadOnly = wholeReadOnly;
    }

    /** Only the whole read (SessionReader) can give this session's files: damage, unknown records. */
    public boolean wholeReadOnly() {
      return wholeReadOnly;
    }
  }

  /** What the next refresh goes on from: kept in the collector's checkpoint. */
  public static final class State implements Serializable {
    private static final long serialVersionUID = 1L;
    private final List<Cursor> streams = new ArrayList<>();
    private long lastT = Long.MIN_VALUE;
    private int lastProcess = -1;
    private long records;
    /** The reference process's node and wall-minus-monotonic offset (null: no reference chosen yet). */
    private String referenceNode;
    private long referenceWallNs;
    private long referenceOffsetNs;

    /** Whether every process has ended: nothing more can come but from a new process. */
    public boolean allEnded() {
      return streams.stream().allMatch(c -> c.ended);
    }

    /** Records handed on so far, over every refresh. */
    public long records() {
      return records;
    }
  }

  /** One process's stream: where its next record is, and what its last read segment said. */
  private static final class Cursor implements Serializable {
    private static final long serialVersionUID = 1L;
    final String name; // the stream's file name (<role>-<pid>.pmspool), its place in the process order
    final String stem;
    final boolean segmented;
    final int index;
    final String metadata; // the first segment's metadata record, as JSON
    int segment; // the segment being read (-1: one unrotated file)
    SpoolReader.Position at = SpoolReader.Position.START; // after the last record handed on
    boolean skipCarried; // the segment's carried state records repeat those read before it
    String segmentMetadata; // this segment's metadata record, to tell a rewritten file
    boolean incomplete;
    boolean sawFinal;
    boolean ended; // handed on all it will ever have (its process exited, or the session is over)
    boolean follow; // another node's process: its records are moved onto the session's clock
    long shiftNs; // what its next record after `at` is moved by (its latest anchor's mapping)

    Cursor(String name, String stem, boolean segmented, int index, String metadata, int segment, boolean skipCarried) {
      this.name = name;
      this.stem = stem;
      this.segmented = segmented;
      this.index = index;
      this.metadata = metadata;
      this.segment = segment;
      this.skipCarried = skipCarried;
    }

    String file(int n) {
      return n < 0 ? name : stem + "." + n + SessionReader.SPOOL_SUFFIX;
    }
  }

  private final Path dir;
  private final Path spools;
  private final RecordSchema schema;
  private final State state;
  private final List<ProcessInfo> processes = new ArrayList<>();
  private final List<String> emptyStreams = new ArrayList<>();
  private final List<SegmentIndex.Dropped> budgetDropped = new ArrayList<>();
  /** This refresh's listing of the spools, per stream: segment number -> file. */
  private Map<String, TreeMap<Integer, Path>> listed = Map.of();
  /** Streams this refresh found: their first record must come after those already handed on. */
  private final java.util.Set<Cursor> fresh = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  private LiveSession(Path dir, RecordSchema schema, State state) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + ": not a session directory");
    }
    this.dir = dir;
    Path raw = dir.resolve(SessionReader.RAW);
    this.spools = Files.isDirectory(raw, LinkOption.NOFOLLOW_LINKS) ? raw : dir;
    this.schema = schema;
    this.state = state;
    dev.profilemate.spool.RecordType anchor = schema.byName("clock_anchor");
    this.anchorType = anchor == null ? -1 : anchor.id();
    for (Cursor c : state.streams) {
      processes.add(info(c));
    }
  }

  /** The clock_anchor record type's id (-1: a schema without it). */
  private final int anchorType;

  /** A cursor's process; one of another node with its anchor moved onto the session's clock, as SessionReader does. */
  private ProcessInfo info(Cursor c) throws IOException {
    ProcessInfo p = ProcessInfo.of(c.index, spools.resolve(c.name), JSON.readTree(c.metadata));
    if (!c.follow) {
      return p;
    }
    long own = p.wallAnchorNs() - p.monotonicAnchorNs();
    return new ProcessInfo(p.index(), p.spool(), p.pid(), p.role(), p.rank(),
        p.monotonicAnchorNs() + own - state.referenceOffsetNs, p.wallAnchorNs(), p.metadata());
  }

  /** Whether the process is of another node than the reference's: it then follows its anchors from its metadata's. */
  private void align(Cursor c, ProcessInfo p) {
    c.follow = !p.metadata().path("host").asText("").equals(state.referenceNode);
    c.shiftNs = c.follow ? p.wallAnchorNs() - p.monotonicAnchorNs() - state.referenceOffsetNs : 0;
  }

  /**
   * The pids the spools' metadata names, reading only each stream's first readable segment (collect
   * asks before every refresh: opening every segment of a long session would cost more than the
   * refresh). Unreadable files are passed over.
   */
  public static List<Long> pids(Path session, RecordSchema schema) throws IOException {
    Path raw = session.resolve(SessionReader.RAW);
    Path dir = Files.isDirectory(raw, LinkOption.NOFOLLOW_LINKS) ? raw : session;
    Map<String, TreeMap<Integer, Path>> streams = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.filter(p -> p.getFileName().toString().endsWith(SessionReader.SPOOL_SUFFIX)).toList()) {
        SegmentName n = SegmentName.of(f.getFileName().toString());
        streams.computeIfAbsent(n.streamFileName(), k -> new TreeMap<>()).put(n.segment(), f);
      }
    }
    List<Long> pids = new ArrayList<>();
    for (TreeMap<Integer, Path> files : streams.values()) {
      for (Path f : files.values()) {
        try (SpoolReader r = SpoolReader.open(f, schema, 0)) {
          if (r.metadata() != null) {
            pids.add(r.metadata().path("pid").asLong());
            break;
          }
        } catch (IOException | RuntimeException e) {
          // gone (the budget), or unreadable: the next segment may say
        }
      }
    }
    return pids;
  }

  /** A session read from its start. */
  public static LiveSession start(Path session, RecordSchema schema) throws IOException {
    return new LiveSession(session, schema, new State());
  }

  /** A session read on from the state an earlier refresh left (the same object, or its checkpoint). */
  public static LiveSession resume(Path session, RecordSchema schema, State state) throws IOException {
    return new LiveSession(session, schema, state);
  }

  public State state() {
    return state;
  }

  /**
   * Opens what is new (processes, segments), without handing on records yet: afterwards {@link
   * #startNs()} and {@link #processes()} are those of this refresh. Throws IOException as {@link
   * SessionReader#open} does when the session has no readable spool at all.
   */
  public void prepare() throws IOException, Mismatch {
    SegmentIndex index = SegmentIndex.read(spools); // before the listing, as SessionReader does
    Map<String, TreeMap<Integer, Path>> streams = new TreeMap<>();
    try (Stream<Path> s = Files.list(spools)) {
      for (Path f : s.filter(p -> p.getFileName().toString().endsWith(SessionReader.SPOOL_SUFFIX))
          .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        SegmentName n = SegmentName.of(f.getFileName().toString());
        streams.computeIfAbsent(n.streamFileName(), k -> new TreeMap<>()).put(n.segment(), f);
      }
    }
    listed = streams;
    fresh.clear();
    budgetDropped.clear();
    budgetDropped.addAll(index.allDropped().values());
    for (Cursor c : state.streams) {
      SegmentIndex.Dropped d = index.dropped(c.file(c.segment));
      if (d != null || c.segmented && streams.getOrDefault(c.name, new TreeMap<>()).get(c.segment) == null) {
        throw new Mismatch(c.file(c.segment) + (d != null ? " was dropped by the disk budget" : " is gone")
            + " before it was read to its end", false);
      }
    }
    emptyStreams.clear();
    String lastKnown = state.streams.isEmpty() ? "" : state.streams.getLast().name;
    // processes of an earlier refresh: a new one must take its place after theirs (the first refresh's
    // are all new, in name order, and put on one clock together below)
    boolean known = !state.streams.isEmpty();
    for (Map.Entry<String, TreeMap<Integer, Path>> e : streams.entrySet()) {
      if (state.streams.stream().anyMatch(c -> c.name.equals(e.getKey()))) {
        continue;
      }
      Cursor c = newStream(e.getKey(), e.getValue(), index);
      if (c == null) {
        continue;
      }
      ProcessInfo p = ProcessInfo.of(c.index, spools.resolve(c.name), JSON.readTree(c.metadata));
      if (state.referenceNode != null) {
        // the reference is the earliest wall anchor of all: an earlier one would move every time handed on
        if (p.wallAnchorNs() < state.referenceWallNs) {
          throw new Mismatch("a new process (" + c.name + ") has an earlier wall-clock anchor than the reference", false);
        }
        align(c, p);
        p = info(c);
      }
      // the process order is the streams' name order, and the session's zero the earliest anchor
      if (known && (c.name.compareTo(lastKnown) < 0 || p.monotonicAnchorNs() < startNs())) {
        throw new Mismatch("a new process (" + c.name + ") takes a place before those already read", false);
      }
      state.streams.add(c);
      fresh.add(c);
      processes.add(p);
      lastKnown = c.name;
    }
    if (state.referenceNode == null && !processes.isEmpty()) {
      // the first processes found: the reference as SessionReader chooses it, the others aligned to it
      ProcessInfo ref = processes.stream().min(Comparator.comparingLong(ProcessInfo::wallAnchorNs)
          .thenComparingInt(ProcessInfo::index)).orElseThrow();
      state.referenceNode = ref.metadata().path("host").asText("");
      state.referenceWallNs = ref.wallAnchorNs();
      state.referenceOffsetNs = ref.wallAnchorNs() - ref.monotonicAnchorNs();
      for (Cursor c : state.streams) {
        align(c, processes.get(c.index));
        processes.set(c.index, info(c));
      }
    }
    if (state.streams.isEmpty()) {
      SessionReader.open(dir, schema).close(); // says why, as the whole read does
      throw new Mismatch("no process has written its first chunk yet", false);
    }
  }

  /** A stream not read before; null while its first segment holds no metadata record yet. */
  private Cursor newStream(String name, TreeMap<Integer, Path> files, SegmentIndex index) throws IOException, Mismatch {
    Map.Entry<Integer, Path> first = files.firstEntry();
    // segments the budget dropped (listed, maybe not deleted yet) are stated, not read, as the whole read does
    while (first != null && index.dropped(first.getValue().getFileName().toString()) != null) {
      first = files.higherEntry(first.getKey());
    }
    if (first == null) {
      return null;
    }
    SegmentName n = SegmentName.of(first.getValue().getFileName().toString());
    for (int k = 0; k < n.segment(); k++) {
      String missing = n.stem() + "." + k + SessionReader.SPOOL_SUFFIX;
      if (index.dropped(missing) == null) {
        throw new Mismatch(missing + ": segment missing and not dropped by the disk budget", true);
      }
    }
    JsonNode meta;
    try (SpoolReader r = SpoolReader.open(first.getValue(), schema, state.streams.size())) {
      if (!r.dropped().isEmpty()) {
        throw new Mismatch(first.getValue().getFileName() + ": damaged", true);
      }
      meta = r.metadata();
    } catch (NoSuchFileException gone) {
      throw new Mismatch(first.getValue().getFileName() + " vanished while being read", false);
    }
    if (meta == null) {
      emptyStreams.add(first.getValue().getFileName() + ": empty or torn before its metadata; skipped");
      return null;
    }
    // read after a dropped segment, its carried state records are the state it needs: read, not skipped
    Cursor c = new Cursor(name, n.stem(), n.segmented(), state.streams.size(), meta.toString(), n.segment(), false);
    c.segmentMetadata = meta.toString();
    return c;
  }

  /**
   * The head of one stream: its next record (on the session's clock), the segment it is in, the
   * position after it and the shift of the record after it.
   */
  private record Head(Cursor c, SpoolRecord rec, int segment, SpoolReader.Position after, long shiftAfter) {}

  /** A stream's reader during one refresh, the segment it reads and the shift of its next record. */
  private static final class Reading {
    SpoolReader r;
    int segment;
    long shift;

    Reading(SpoolReader r, int segment, long shift) {
      this.r = r;
      this.segment = segment;
      this.shift = shift;
    }
  }

  /**
   * Hands on every record whose place is settled, in the whole read's order. over: no process will
   * write again (the last refresh), so nothing is held back; exited: pids found exited before this
   * refresh's {@link #prepare} listed the spools (their streams end where their files end).
   */
  public void emit(boolean over, java.util.Set<Long> exited, Consumer<SpoolRecord> out) throws IOException, Mismatch {
    List<SpoolReader> open = new ArrayList<>();
    long lastT = state.lastT;
    int lastProcess = state.lastProcess;
    try {
      Reading[] readers = new Reading[state.streams.size()];
      PriorityQueue<Head> heap = new PriorityQueue<>(
          Comparator.comparingLong((Head h) -> h.rec().tNs()).thenComparingInt(h -> h.rec().process()));
      int waiting = 0; // streams with no record to offer now that may still write one
      for (Cursor c : state.streams) {
        readers[c.index] = new Reading(openAt(c, open), c.segment, c.shiftNs);
        boolean wasEnded = c.ended;
        c.ended = false; // head() says again whether it has ended
        Head h = head(c, readers[c.index], open, over, exited);
        // a process new to this refresh, or one taken as ended (its pid gone, or the last refresh of
        // an earlier collector) that wrote on, is in place only after every record handed on so far
        if (h != null && (fresh.contains(c) || wasEnded) && state.records > 0
            && (h.rec().tNs() < lastT || h.rec().tNs() == lastT && c.index < lastProcess)) {
          throw new Mismatch((wasEnded ? c.name + ", taken as ended," : "a new process (" + c.name + ")")
              + " has records older than those already handed on", false);
        }
        if (h != null) {
          heap.add(h);
        } else if (!c.ended) {
          waiting++;
        }
      }
      while (waiting == 0 && !heap.isEmpty()) {
        Head h = heap.poll();
        Cursor c = h.c();
        out.accept(h.rec());
        state.records++;
        state.lastT = h.rec().tNs();
        state.lastProcess = c.index;
        if (h.segment() != c.segment) {
          c.segment = h.segment();
          c.segmentMetadata = readers[c.index].r.metadata().toString();
        }
        c.at = h.after();
        c.shiftNs = h.shiftAfter();
        c.skipCarried = false;
        Head next = head(c, readers[c.index], open, over, exited);
        if (next != null) {
          heap.add(next);
        } else if (!c.ended) {
          waiting++;
        }
      }
      for (SpoolReader r : open) {
        if (r.irregular() || !r.dropped().isEmpty()) {
          throw new Mismatch(r.file().getFileName() + ": damaged", true);
        }
      }
    } finally {
      for (SpoolReader r : open) {
        r.close();
      }
    }
  }

  /** A reader of the cursor's segment from its position; checks the file is the one read before. */
  private SpoolReader openAt(Cursor c, List<SpoolReader> open) throws IOException, Mismatch {
    Path f = spools.resolve(c.file(c.segment));
    SpoolReader first = openSegment(f, c.index, open);
    if (!first.metadata().toString().equals(c.segmentMetadata)) {
      throw new Mismatch(f.getFileName() + " was rewritten since the last refresh", false);
    }
    if (c.at.equals(SpoolReader.Position.START)) {
      if (c.skipCarried) {
        skipCarried(first);
      }
      return first;
    }
    if (Files.size(f) < c.at.chunk()) {
      throw new Mismatch(f.getFileName() + " is shorter than when it was last read", false);
    }
    SpoolReader r = SpoolReader.resume(f, schema, c.index, first.metadata(), c.at);
    open.add(r);
    return r;
  }

  private SpoolReader openSegment(Path f, int process, List<SpoolReader> open) throws IOException, Mismatch {
    SpoolReader r;
    try {
      r = SpoolReader.open(f, schema, process);
    } catch (NoSuchFileException gone) {
      throw new Mismatch(f.getFileName() + " vanished before it was read to its end", false);
    }
    open.add(r);
    if (r.metadata() == null || !r.dropped().isEmpty()) {
      throw new Mismatch(f.getFileName() + ": damaged", true);
    }
    return r;
  }

  /** A segment read right after the one before it repeats that one's state records: not read twice. */
  private static void skipCarried(SpoolReader r) {
    for (int k = r.metadata().path("carried").asInt(0); k > 0 && r.hasNext(); k--) {
      r.next();
    }
  }

  /** The stream's next record, moving on to its next segment where the current one is read whole. */
  private Head head(Cursor c, Reading at, List<SpoolReader> open, boolean over, java.util.Set<Long> exited)
      throws IOException, Mismatch {
    while (true) {
      SpoolReader r = at.r;
      if (r.hasNext()) {
        // damage is looked for once the reader stops (below, and at the end of emit), not per record:
        // a refresh that met it is thrown away whole
        SpoolRecord rec = r.next();
        if (!c.follow) {
          return new Head(c, rec, at.segment, r.position(), 0);
        }
        SpoolRecord out = rec.shifted(at.shift);
        if (rec.type().id() == anchorType) {
          // as ProcessSpool: the anchor moved by the shift before it, the records after it by its own
          at.shift = rec.getLong("wall_ns") - rec.tNs() - state.referenceOffsetNs;
        }
        return new Head(c, out, at.segment, r.position(), at.shift);
      }
      if (r.irregular() || !r.dropped().isEmpty()) {
        throw new Mismatch(r.file().getFileName() + ": damaged", true);
      }
      if (r.unknownRecordsSkipped() > 0) {
        throw new Mismatch(r.file().getFileName() + ": records of unknown types", true);
      }
      c.incomplete = r.incomplete();
      c.sawFinal = r.closedCleanly();
      if (c.segmented && !r.incomplete()) {
        TreeMap<Integer, Path> files = listed.getOrDefault(c.name, new TreeMap<>());
        Path next = files.get(at.segment + 1);
        if (next != null) {
          // a segment is closed before the next one appears (SPEC): this one is read whole
          SpoolReader n = openSegment(next, c.index, open);
          skipCarried(n);
          at.r = n;
          at.segment++;
          if (!n.hasNext()) {
            // nothing in it yet: the next refresh starts there (the cursor moves with a record otherwise)
            c.segment = at.segment;
            c.at = SpoolReader.Position.START;
            c.skipCarried = true;
            c.segmentMetadata = n.metadata().toString();
          }
          continue;
        }
        if (files.higherKey(at.segment + 1) != null) {
          throw new Mismatch(c.file(at.segment + 1) + ": segment missing before one that is present", true);
        }
      }
      if (over || !r.incomplete() && r.closedCleanly() && exited.contains(processes.get(c.index).pid())) {
        c.ended = true;
      }
      return null;
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

  @Override
  public String referenceNode() {
    return state.referenceNode == null ? SessionView.super.referenceNode() : state.referenceNode;
  }

  @Override
  public boolean alignedByWallClock(int process) {
    return state.streams.get(process).follow;
  }

  @Override
  public long clockShiftNs(int process) {
    return state.streams.get(process).shiftNs;
  }

  @Override
  public Path streamFile(int process) {
    return processes.get(process).spool();
  }

  @Override
  public boolean closedCleanly(int process) {
    return state.streams.get(process).sawFinal;
  }

  @Override
  public boolean incomplete(int process) {
    return state.streams.get(process).incomplete;
  }

  /** As {@link SessionReader#warnings()}: streams without metadata yet, budget drops, torn tails. */
  @Override
  public List<String> warnings() {
    List<String> w = new ArrayList<>(emptyStreams);
    BudgetDrop.group(budgetDropped).forEach(d -> w.add(d.describe(startNs())));
    for (Cursor c : state.streams) {
      if (c.incomplete) {
        w.add(c.file(c.segment) + ": ends in an incomplete chunk; the records before it are kept");
      }
    }
    return w;
  }
}
