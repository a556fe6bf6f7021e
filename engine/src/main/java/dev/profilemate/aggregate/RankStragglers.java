package dev.profilemate.aggregate;

import dev.profilemate.session.ParallelIdentity;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.RecordSchema;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Stragglers among tensor-parallel (TP) ranks: per step of a TP group (the workers of one DP and PP
 * rank), which rank ended its forward pass last, how far behind the median rank it ended, and
 * whether the lag arose before the forward (the rank started late: input preparation, host work)
 * or in it (its forward ran longer). Every TP rank runs every step's forward in the same order
 * (the executor hands each the same scheduler output), so a group's steps pair up by their order in
 * each rank's spool; the probe writes each worker's forward_pass records in order.
 *
 * <p>Memory: each rank's passes wait until every rank of the group has that step. A rank that
 * stops recording (killed, or its forward profiler off) would make the others wait for ever, so a
 * rank holds at most {@link #MAX_PENDING} steps; past that its group's oldest step is given up and
 * counted ({@link #unmatched}).
 */
public final class RankStragglers implements RecordConsumer, java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final Field PHASE = Field.of("phase");
  private static final Field DURATION_NS = Field.of("duration_ns");
  private static final Field NUM_TOKENS = Field.of("num_tokens");
  static final int MAX_PENDING = 4096;

  private final SessionClock clock;
  private final RecordSchema schema;
  private final Consumer<Row> sink;
  private final Map<Integer, ParallelIdentity> identities = new HashMap<>();
  private final Map<GroupKey, Group> groups = new TreeMap<>();
  private long unmatched;

  public RankStragglers(SessionClock clock, RecordSchema schema, Consumer<Row> sink) {
    this.clock = clock;
    this.schema = schema;
    this.sink = sink;
  }

  /**
   * One step of one TP group. Times in ms; lags are the slowest rank's against the group's median
   * (of ends, starts and forward times); lagIn is where its lag is larger: before_forward or forward.
   */
  public record Row(long step, double timestampSec, int dpRank, int ppRank, int tpSize, String phase, int numTokens,
      int slowestTpRank, String slowestNode, double lagMs, double startLagMs, double forwardLagMs, String lagIn)
      implements java.io.Serializable {}

  private record GroupKey(int dp, int pp) implements Comparable<GroupKey>, java.io.Serializable {
    @Override
    public int compareTo(GroupKey o) {
      return dp != o.dp ? Integer.compare(dp, o.dp) : Integer.compare(pp, o.pp);
    }
  }

  /** A pass waiting for its step's other ranks: start, duration (ns), tokens, phase code. */
  private record Pass(long startNs, long durationNs, int tokens, long phase) implements java.io.Serializable {}

  private static final class Group implements java.io.Serializable {
    final int size;
    final ArrayDeque<Pass>[] pending;
    final String[] nodes;
    long steps;

    @SuppressWarnings("unchecked")
    Group(int size) {
      this.size = size;
      this.pending = new ArrayDeque[size];
      this.nodes = new String[size];
      for (int i = 0; i < size; i++) {
        pending[i] = new ArrayDeque<>();
      }
    }
  }

  @Override
  public boolean wants(String recordName) {
    return recordName.equals("forward_pass") || recordName.equals(ParallelIdentity.RECORD);
  }

  @Override
  public void accept(SpoolRecord r) {
    if (r.name().equals(ParallelIdentity.RECORD)) {
      identities.put(r.process(), ParallelIdentity.of(r));
      return;
    }
    if (!r.name().equals("forward_pass")) {
      return;
    }
    ParallelIdentity id = identities.get(r.process());
    if (id == null || id.tpSize() < 2 || id.tpRank() < 0 || id.tpRank() >= id.tpSize()) {
      return; // no TP group: nobody to wait for
    }
    GroupKey key = new GroupKey(id.dpRank(), id.ppRank());
    Group g = groups.computeIfAbsent(key, k -> new Group(id.tpSize()));
    if (g.size != id.tpSize()) {
      return; // a rank that says another TP size than its group's first: not paired
    }
    g.nodes[id.tpRank()] = id.node();
    ArrayDeque<Pass> q = g.pending[id.tpRank()];
    q.add(new Pass(r.tNs(), r.getLong(DURATION_NS), r.getInt(NUM_TOKENS), r.getLong(PHASE)));
    if (q.size() > MAX_PENDING) {
      for (ArrayDeque<Pass> other : g.pending) {
        if (!other.isEmpty()) {
          other.poll(); // the group's oldest step, which some rank never reported
        }
      }
      unmatched++;
    }
    while (Arrays.stream(g.pending).noneMatch(ArrayDeque::isEmpty)) {
      Pass[] step = new Pass[g.size];
      for (int i = 0; i < g.size; i++) {
        step[i] = g.pending[i].poll();
      }
      sink.accept(row(key, g, step));
    }
  }

  private Row row(GroupKey key, Group g, Pass[] step) {
    int n = step.length;
    long[] ends = new long[n];
    long[] starts = new long[n];
    long[] durations = new long[n];
    int slowest = 0;
    long first = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      starts[i] = step[i].startNs();
      durations[i] = step[i].durationNs();
      ends[i] = starts[i] + durations[i];
      first = Math.min(first, starts[i]);
      slowest = ends[i] > ends[slowest] ? i : slowest;
    }
    Pass s = step[slowest];
    double startLag = SessionClock.millis(s.startNs() - median(starts));
    double forwardLag = SessionClock.millis(s.durationNs() - median(durations));
    return new Row(g.steps++, clock.sec(first), key.dp(), key.pp(), n,
        schema.enumName("forward_pass.phase", s.phase()), s.tokens(), slowest,
        g.nodes[slowest] == null ? "" : g.nodes[slowest], SessionClock.millis(ends[slowest] - median(ends)), startLag,
        forwardLag, startLag > forwardLag ? "before_forward" : "forward");
  }

  /** The median, the mean of the middle two for an even count (two ranks: halfway). */
  private static long median(long[] v) {
    long[] c = v.clone();
    Arrays.sort(c);
    int m = c.length / 2;
    return c.length % 2 == 1 ? c[m] : (c[m - 1] + c[m]) / 2;
  }

  /** Steps given up because some rank of their group never reported them. */
  public long unmatched() {
    return unmatched;
  }

  /** For metadata.json warnings: steps left out of rank_stragglers.csv, if any. */
  public java.util.List<String> warnings() {
    return unmatched == 0 ? java.util.List.of()
        : java.util.List.of(unmatched + " tensor-parallel steps were left out of rank_stragglers.csv: some rank of "
            + "their group never recorded them (its forward profiler off, or the process gone)");
  }
}
