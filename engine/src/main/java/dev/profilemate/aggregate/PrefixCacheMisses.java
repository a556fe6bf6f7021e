package dev.profilemate.aggregate;

import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Says why each request's prefix-cache lookup missed, from the probe's prefix_cache_lookup records
 * and the keys of evicted blocks (kv_block_eviction.block_key): salted keys and counts only.
 *
 * <p>A request may be looked up several times before it is scheduled (it waits for blocks): its
 * row is its last such lookup, the one vLLM scheduled it with. Lookups of a preempted request
 * coming back are left out: they say how recomputation went, not how the prompt was served.
 */
public final class PrefixCacheMisses implements RecordConsumer, java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** probe flags (targets/prefix_cache.py). */
  private static final int CACHING = 1, SKIPPED = 2, RESUMED = 64;
  /** probe shapes: what an earlier request had at the first missed block. */
  private static final int MISALIGNED = 1, EXTRAS = 2, SAME_BLOCK = 3;
  /** Evicted keys remembered, most recent last: bounded however long the session runs. */
  static final int MAX_EVICTED_KEYS = 1 << 20;

  /** The miss reasons, in the order the summary lists them. */
  public static final List<String> REASONS = List.of("hit", "caching_off", "evicted", "misaligned",
      "extras_mismatch", "not_cached_yet", "never_seen", "no_full_block");

  private final SessionClock clock;
  /** (process, key) -> t_ns of its last eviction. */
  private final LinkedHashMap<Key, Long> evicted = new Bounded();
  /** (process, request id) -> its row, in the order of first lookups. */
  private final LinkedHashMap<String, Row> rows = new LinkedHashMap<>();
  private final Map<Key, String> classes = new LinkedHashMap<>();

  public PrefixCacheMisses(SessionClock clock) {
    this.clock = clock;
  }

  private record Key(int process, long key) implements java.io.Serializable {}

  private static final class Bounded extends LinkedHashMap<Key, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Key, Long> eldest) {
      return size() > MAX_EVICTED_KEYS;
    }
  }

  /**
   * One request's lookup and its miss reason.
   *
   * @param missBlock index of the first block not found (= hitBlocks), -1 for a hit
   * @param evictedAgoSec lookup time − the missed block's eviction; NaN unless evicted
   */
  public record Row(double timestampSec, String requestId, String requestClass, String classKey, int promptTokens,
      int blockSize, int blocks, int eligibleBlocks, int hitBlocks, String reason, int missBlock, int sharedTokens,
      String mismatch, double evictedAgoSec, int lookups, int process) implements java.io.Serializable {}

  public record ClassSummary(long requests, long eligibleBlocks, long hitBlocks, double hitRatePct,
      Map<String, Long> misses) {}

  public record Summary(long requests, long eligibleBlocks, long hitBlocks, double hitRatePct,
      Map<String, Long> misses, Map<String, ClassSummary> byClass) {}

  private static final java.util.Set<String> RECORDS = java.util.Set.of("prefix_cache_lookup", "kv_block_eviction");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    if (r.name().equals("kv_block_eviction")) {
      long key = r.getLong("block_key");
      if (key != 0) {
        Key k = new Key(r.process(), key);
        evicted.remove(k); // re-inserted last: the bound drops the longest-gone keys first
        evicted.put(k, r.tNs());
      }
    } else if (r.name().equals("prefix_cache_lookup") && (r.getInt("flags") & RESUMED) == 0) {
      String id = r.process() + "\0" + r.getString("request_id");
      Row before = rows.get(id);
      rows.put(id, row(r, before == null ? 1 : before.lookups() + 1));
    }
  }

  private Row row(SpoolRecord r, int lookups) {
    int flags = r.getInt("flags");
    int eligible = r.getInt("eligible_blocks");
    int hit = r.getInt("hit_blocks");
    int shape = r.getInt("shape");
    long firstKey = r.getLong("first_key");
    String mismatch = "";
    double ago = Double.NaN;
    String reason;
    if ((flags & CACHING) == 0 || (flags & SKIPPED) != 0) {
      reason = "caching_off";
    } else if (eligible == 0) {
      reason = "no_full_block"; // a prompt of at most one block: nothing vLLM can look up
    } else if (hit >= eligible) {
      reason = "hit";
    } else {
      Long at = evicted.get(new Key(r.process(), r.getLong("miss_key")));
      if (at != null && at <= r.tNs()) {
        reason = "evicted";
        ago = SessionClock.seconds(r.tNs() - at);
      } else if (shape == MISALIGNED) {
        reason = "misaligned";
      } else if (shape == EXTRAS) {
        reason = "extras_mismatch";
        mismatch = mismatchText(r.getInt("mismatch"));
      } else if (shape == SAME_BLOCK) {
        reason = "not_cached_yet"; // seen whole, never evicted: its first request had not cached it yet
      } else {
        reason = "never_seen";
      }
    }
    String cls = firstKey == 0 ? "" : classes.computeIfAbsent(new Key(r.process(), firstKey), k -> "c" + (classes.size() + 1));
    return new Row(clock.sec(r.tNs()), r.getString("request_id"), cls,
        firstKey == 0 ? "" : String.format("%016x", firstKey), r.getInt("num_tokens"), r.getInt("block_size"),
        r.getInt("blocks"), eligible, hit, reason, reason.equals("hit") || reason.equals("no_full_block")
            || reason.equals("caching_off") ? -1 : hit,
        reason.equals("misaligned") ? r.getInt("shared_tokens") : 0, mismatch, ago, lookups, r.process());
  }

  /** The probe's mismatch bits as names: cache_salt, lora, mm, prompt_embeds joined by "+". */
  static String mismatchText(int bits) {
    List<String> names = new ArrayList<>();
    String[] all = {"cache_salt", "lora", "mm", "prompt_embeds"};
    for (int i = 0; i < all.length; i++) {
      if ((bits & (1 << i)) != 0) {
        names.add(all[i]);
      }
    }
    return names.isEmpty() ? "unknown" : String.join("+", names);
  }

  public List<Row> rows() {
    return List.copyOf(rows.values());
  }

  public Summary summary() {
    long eligible = 0;
    long hit = 0;
    Map<String, Long> misses = new TreeMap<>();
    Map<String, long[]> classTotals = new TreeMap<>(PrefixCacheMisses::byNumber);
    Map<String, Map<String, Long>> classMisses = new TreeMap<>(PrefixCacheMisses::byNumber);
    for (Row row : rows.values()) {
      int counted = countsInRate(row) ? 1 : 0;
      eligible += counted * row.eligibleBlocks();
      hit += counted * row.hitBlocks();
      misses.merge(row.reason(), 1L, Long::sum);
      String cls = row.requestClass().isEmpty() ? "none" : row.requestClass();
      long[] t = classTotals.computeIfAbsent(cls, c -> new long[3]);
      t[0]++;
      t[1] += counted * row.eligibleBlocks();
      t[2] += counted * row.hitBlocks();
      classMisses.computeIfAbsent(cls, c -> new TreeMap<>()).merge(row.reason(), 1L, Long::sum);
    }
    Map<String, ClassSummary> byClass = new LinkedHashMap<>();
    classTotals.forEach((cls, t) -> byClass.put(cls, new ClassSummary(t[0], t[1], t[2], rate(t[2], t[1]),
        classMisses.get(cls))));
    return new Summary(rows.size(), eligible, hit, rate(hit, eligible), misses, byClass);
  }

  /** A lookup vLLM skipped (caching off) has no blocks it could have found: the rate leaves it out. */
  static boolean countsInRate(Row row) {
    return !row.reason().equals("caching_off");
  }

  private static double rate(long hit, long eligible) {
    return eligible > 0 ? 100.0 * hit / eligible : 0;
  }

  /** c2 before c10; "none" last. */
  private static int byNumber(String a, String b) {
    return Long.compare(number(a), number(b));
  }

  private static long number(String cls) {
    return cls.startsWith("c") ? Long.parseLong(cls.substring(1)) : Long.MAX_VALUE;
  }
}
