package dev.profilemate.capture;

import dev.profilemate.common.Json;
import dev.profilemate.common.PrivateFiles;
import dev.profilemate.session.SegmentCatalog;
import dev.profilemate.session.SessionReader;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * collect's triggered captures (docs/triggered-capture.md). The ring buffer is the spool itself:
 * the segments under the disk budget already hold the last minutes of full detail. After each
 * refresh the export's capture_windows.csv names the windows that fired; for each, the segments
 * holding [start, end] are hard-linked into captures/ID/raw/ (same inode: a segment still being
 * written keeps growing in the link, and the budget deleting raw/'s name frees nothing while the
 * capture holds it), with an index that says which earlier segments it leaves out. So
 * {@code profilemate export captures/ID} and {@code report} give the window's full per-step
 * detail after the budget dropped the originals. The probe knows nothing of this: it never waits
 * on a capture, and its budget counts raw/ alone; captures/ has its own bound (count, bytes),
 * oldest finished capture removed first, each removal said on stderr and in captures/captures.jsonl.
 */
public final class CaptureKeeper implements AutoCloseable {
  public static final String FOLDER = "captures";
  static final String LOG = "captures.jsonl";
  static final String DESCRIPTION = "capture.json";
  private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[a-z_]{1,40}-\\d{1,12}\\.\\d{3}");
  /** A record reaches its segment up to a flush interval (1 s) and a queue's drain after its time. */
  static final long FLUSH_SLACK_NS = 3_000_000_000L;

  /** The bound of captures/: at most this many captures and bytes (a segment counted once). */
  public record Limits(int maxCaptures, long maxBytes) {}

  private static final class Capture {
    final String id;
    final Path dir;
    long fromNs;
    long toNs;
    List<WindowsFile.Firing> firings = List.of();
    double startSec;
    double endSec;
    boolean done;
    /** Removed by the bound: remembered, so its window (still in capture_windows.csv) is not kept again. */
    boolean removed;
    final Set<String> linked = new TreeSet<>();

    Capture(String id, Path dir) {
      this.id = id;
      this.dir = dir;
    }
  }

  private final Path session;
  private final Path raw;
  private final Path root;
  private final Limits limits;
  private final PrintStream err;
  private final ProfilerControl profiler;
  private final LongSupplier monotonicNs;
  private final Map<String, Capture> captures = new LinkedHashMap<>();
  private final URI profileUrl;
  private final CapturesLog log;

  /**
   * monotonicNs: the probe's clock (Python's time.monotonic_ns and the JDK's System.nanoTime both
   * read CLOCK_MONOTONIC on Linux, and collect runs on vLLM's host), to tell when a window is over.
   */
  CaptureKeeper(Path session, Limits limits, URI profileUrl, PrintStream err, LongSupplier monotonicNs)
      throws IOException {
    this.session = session;
    this.raw = session.resolve(SessionReader.RAW);
    this.root = session.resolve(FOLDER);
    this.limits = limits;
    this.err = err;
    this.profileUrl = profileUrl;
    this.profiler = profileUrl == null ? null : new ProfilerControl(profileUrl, err);
    this.monotonicNs = monotonicNs;
    this.log = new CapturesLog(root.resolve(LOG));
    loadPrevious();
  }

  public static CaptureKeeper open(Path session, Limits limits, URI profileUrl, PrintStream err) throws IOException {
    return new CaptureKeeper(session, limits, profileUrl, err, System::nanoTime);
  }

  /** Captures a previous collector of this session left: finished, and under the same bound. */
  private void loadPrevious() throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.list(root)) {
      for (Path d : s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
        Capture c = new Capture(d.getFileName().toString(), d);
        c.done = true;
        captures.put(c.id, c);
      }
    }
    for (String id : log.removedIds()) {
      if (!captures.containsKey(id)) {
        Capture c = new Capture(id, root.resolve(id));
        c.done = true;
        c.removed = true;
        captures.put(c.id, c);
      }
    }
  }

  /**
   * After each refresh (last: the processes have exited, nothing more will be written): new
   * windows start captures, open ones take the segments written since, finished ones are closed.
   * An error is one line; the next refresh tries again. Never throws.
   */
  public void afterRefresh(boolean last) {
    try {
      update(last);
    } catch (IOException | RuntimeException e) {
      err.println("collect: capture: " + e.getMessage() + " (will retry)");
    }
  }

  private void update(boolean last) throws IOException {
    WindowsFile windows = WindowsFile.read(session);
    long startNs;
    try (SessionReader r = SessionReader.open(session, RecordSchema.bundled())) {
      startNs = r.startNs(); // the zero of capture_windows.csv, read afresh: a later process may move it
    }
    for (WindowsFile.Window w : windows.windows()) {
      if (!ID.matcher(w.id()).matches()) {
        // a folder name from a file: only the export's own spelling (rule-seconds), never a path
        throw new IOException(session.resolve("capture_windows.csv") + ": capture_id '" + w.id()
            + "' is not <rule>-<seconds>; re-export the session");
      }
      long from = startNs + (long) (w.startSec() * 1e9);
      long to = startNs + (long) (w.endSec() * 1e9);
      long fired = startNs + (long) (w.firings().getFirst().firedSec() * 1e9);
      Capture c = captures.get(w.id());
      if (c == null) {
        // the same event seen again under another id: once the budget dropped the start of a
        // window, a re-export sees the overload begin at the first step left (a "new" firing
        // inside a window already kept); a window still open just grows
        c = captures.values().stream()
            .filter(x -> x.fromNs <= fired && fired <= x.toNs || !x.done && x.fromNs <= to && x.toNs >= from)
            .findFirst().orElse(null);
      }
      if (c != null && c.done) {
        continue; // kept already (or by an earlier collector)
      }
      long knownEnd = c == null ? Long.MIN_VALUE : c.toNs;
      if (c == null) {
        c = new Capture(w.id(), root.resolve(w.id()));
        c.fromNs = from;
        c.startSec = w.startSec();
        captures.put(c.id, c);
        err.println("collect: capture " + c.id + ": " + describe(w.firings().getFirst()) + "; keeping "
            + Fmtd.sec(w.startSec()) + "–" + Fmtd.sec(w.endSec()) + " s in " + c.dir);
        log.append(Map.of("event", "started", "id", c.id));
      }
      c.fromNs = Math.min(c.fromNs, from);
      c.toNs = Math.max(c.toNs, to);
      c.startSec = Math.min(c.startSec, w.startSec());
      c.endSec = Math.max(c.endSec, w.endSec());
      if (w.firings().size() >= c.firings.size()) {
        c.firings = w.firings();
      }
      if (profiler != null && c.toNs > knownEnd) { // a new capture, or a later firing extended it
        profiler.startOrExtend(c.id, Math.max(0, (c.toNs - monotonicNs.getAsLong()) / 1e9));
      }
    }
    for (Capture c : captures.values()) {
      if (c.done) {
        continue;
      }
      boolean over = last || monotonicNs.getAsLong() > c.toNs + FLUSH_SLACK_NS;
      keep(c);
      if (over) {
        c.done = true;
        describe(c);
        log.append(Map.of("event", "complete", "id", c.id, "segments", List.copyOf(c.linked)));
        err.println("collect: capture " + c.id + " complete: " + c.linked.size() + " segments; read it with "
            + "profilemate export " + c.dir + " (and report)");
      }
    }
    bound();
  }

  /** Links the segments of c's window not linked yet, and rewrites its index and description. */
  private void keep(Capture c) throws IOException {
    SegmentCatalog catalog = SegmentCatalog.read(raw);
    Path capRaw = c.dir.resolve(SessionReader.RAW);
    PrivateFiles.folder(capRaw);
    Map<String, TreeMap<Integer, SegmentCatalog.Segment>> streams = new TreeMap<>();
    for (SegmentCatalog.Segment s : catalog.present()) {
      streams.computeIfAbsent(s.stream(), k -> new TreeMap<>()).put(s.number(), s);
    }
    StringBuilder index = new StringBuilder();
    for (Map.Entry<String, TreeMap<Integer, SegmentCatalog.Segment>> e : streams.entrySet()) {
      List<SegmentCatalog.Segment> in = e.getValue().values().stream()
          .filter(s -> s.overlaps(c.fromNs, c.toNs) || c.linked.contains(s.file())).toList();
      int first = in.isEmpty() ? Integer.MAX_VALUE : in.getFirst().number();
      int lastNumber = in.isEmpty() ? Integer.MIN_VALUE : in.getLast().number();
      for (SegmentCatalog.Segment s : e.getValue().values()) {
        if (s.number() >= first && s.number() <= lastNumber && !c.linked.contains(s.file())) {
          link(raw.resolve(s.file()), capRaw.resolve(s.file()), c);
        }
      }
      int firstLinked = c.linked.stream().filter(f -> f.startsWith(e.getKey() + "."))
          .mapToInt(f -> number(f, e.getKey())).min().orElse(Integer.MAX_VALUE);
      int lastLinked = c.linked.stream().filter(f -> f.startsWith(e.getKey() + "."))
          .mapToInt(f -> number(f, e.getKey())).max().orElse(-1);
      if (firstLinked == Integer.MAX_VALUE || firstLinked < 0) {
        continue;
      }
      for (int k = 0; k < lastLinked; k++) {
        String file = SegmentCatalog.fileName(e.getKey(), k);
        if (c.linked.contains(file)) {
          continue;
        }
        if (catalog.droppedLine(file) != null && (k > firstLinked || catalog.droppedWithin(file, c.fromNs, c.toNs))) {
          index.append(catalog.droppedLine(file)).append('\n'); // a stated loss inside the window, as in raw/
        } else if (k < firstLinked) {
          index.append(SegmentCatalog.outsideCaptureLine(e.getKey(), k)).append('\n');
        }
      }
    }
    PrivateFiles.writeString(capRaw.resolve(SegmentCatalog.INDEX), index.toString());
    describe(c);
  }

  /** A segment's number; -1 for the one file of a spool that never rotated (stream.pmspool). */
  private static int number(String file, String stream) {
    if (file.length() <= stream.length() + 1 + SessionReader.SPOOL_SUFFIX.length()) {
      return -1;
    }
    String rest = file.substring(stream.length() + 1, file.length() - SessionReader.SPOOL_SUFFIX.length());
    try {
      return Integer.parseInt(rest);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void link(Path from, Path to, Capture c) throws IOException {
    try {
      Files.createLink(to, from);
    } catch (FileAlreadyExistsException e) {
      // linked by an earlier pass whose bookkeeping did not finish
    } catch (NoSuchFileException e) {
      return; // the budget deleted it meanwhile: its index line says so, and the next pass copies that
    } catch (UnsupportedOperationException | IOException e) {
      // a file system without hard links: a copy holds what is written so far (a segment still
      // open is copied again by later passes)
      Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    c.linked.add(from.getFileName().toString());
  }

  private void describe(Capture c) throws IOException {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("id", c.id);
    d.put("session", session.toAbsolutePath().getFileName().toString());
    d.put("window_start_sec", c.startSec);
    d.put("window_end_sec", c.endSec);
    d.put("complete", c.done);
    List<Map<String, Object>> firings = new ArrayList<>();
    for (WindowsFile.Firing f : c.firings) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rule", f.rule());
      m.put("fired_sec", f.firedSec());
      m.put("value", f.value());
      m.put("threshold", f.threshold());
      m.put("unit", f.unit());
      firings.add(m);
    }
    d.put("firings", firings);
    d.put("segments", List.copyOf(c.linked));
    d.put("profile_url", profileUrl == null ? null : profileUrl.toString());
    d.put("read_with", "profilemate export " + c.dir + " && profilemate report " + c.dir);
    PrivateFiles.write(c.dir.resolve(DESCRIPTION), out -> Json.write(out, d));
  }

  /** Oldest finished captures go while captures/ holds more than the bound; a running one stays. */
  private void bound() throws IOException {
    List<Capture> oldestFirst = new ArrayList<>(captures.values().stream().filter(c -> !c.removed).toList());
    Map<Path, Long> bytes = FolderBytes.sizes(oldestFirst.stream().map(c -> c.dir.resolve(SessionReader.RAW)).toList());
    long total = bytes.values().stream().mapToLong(Long::longValue).sum();
    oldestFirst.sort(Comparator.comparing((Capture c) -> !c.done)); // stable: finished first, then age
    long count = oldestFirst.size();
    for (Capture c : oldestFirst) {
      if (count <= limits.maxCaptures() && total <= limits.maxBytes() || !c.done) {
        return;
      }
      long b = bytes.getOrDefault(c.dir.resolve(SessionReader.RAW), 0L);
      FolderBytes.delete(c.dir);
      c.removed = true;
      count--;
      total -= b;
      String why = "captures/ over " + limits.maxCaptures() + " captures or " + (limits.maxBytes() >> 20) + " MiB";
      err.println("collect: capture " + c.id + " removed (" + b + " bytes): " + why);
      log.append(Map.of("event", "removed", "id", c.id, "bytes", b, "reason", why));
    }
  }

  private static String describe(WindowsFile.Firing f) {
    return f.rule() + " fired at " + Fmtd.sec(f.firedSec()) + " s (" + Fmtd.num(f.value()) + " " + f.unit()
        + " against " + Fmtd.num(f.threshold()) + ")";
  }

  /** Short numbers for the collector's lines. */
  private static final class Fmtd {
    static String sec(double v) {
      return String.format(java.util.Locale.ROOT, "%.1f", v);
    }

    static String num(double v) {
      return v == Math.rint(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v);
    }
  }

  @Override
  public void close() {
    if (profiler != null) {
      profiler.close();
    }
  }
}
