package dev.profilemate.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.common.Json;
import dev.profilemate.common.Num;
import dev.profilemate.export.SummaryFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Why the prefix cache missed: the answer the report leads with (hit rate, the requests that
 * missed by reason, largest first, and what to do about each) and the KV section's table per
 * request class, both as the export put them in prefix_cache_summary.json (docs/prefix-cache.md).
 * Read on its own, like {@link LatencyAnswer}: one small JSON file. Not recorded when the session
 * has no lookups (or was exported before them).
 */
record PrefixCacheTable(SectionStatus status, String headline, List<Reason> reasons, List<Line> classes) {

  /** A miss reason the session has: its name in prefix_cache_requests.csv, requests, what to do. */
  record Reason(String reason, String label, long requests, String action) {}

  /** Each reason's words and what to do, in docs/prefix-cache.md's order (ties keep it). */
  private static final Map<String, String[]> REASONS = reasonWords();

  private static Map<String, String[]> reasonWords() {
    Map<String, String[]> m = new LinkedHashMap<>();
    m.put("caching_off", new String[] {"prefix caching off",
        "start vLLM with --enable-prefix-caching; requests asking for prompt logprobs skip reading the cache"});
    m.put("no_full_block", new String[] {"prompt shorter than a block",
        "nothing to do: a prompt of one block or less has nothing a hit could cover"});
    m.put("evicted", new String[] {"evicted before reuse",
        "give the cache more KV blocks (--gpu-memory-utilization, a smaller max_num_seqs) or send a class's "
            + "requests closer together; evicted_ago_sec in prefix_cache_requests.csv says how long before"});
    m.put("misaligned", new String[] {"shared prefix ends inside a block",
        "end shared system prompts on a block boundary (a multiple of block_size tokens): vLLM caches whole blocks"});
    m.put("extras_mismatch", new String[] {"other cache salt, LoRA adapter or image",
        "by design: requests under another salt, adapter or image do not share blocks"});
    m.put("not_cached_yet", new String[] {"not cached yet",
        "requests of a class arrived together, before the first had computed its blocks: stagger a burst's "
            + "first request, or accept it"});
    m.put("never_seen", new String[] {"never seen", "the request's own content: nothing to share"});
    return m;
  }

  static final String NO_LOOKUPS = "no prefix-cache lookups in this session: the prefix_cache profiler "
      + "(ENABLE_KV_CACHE_TRACKING) was off or could not attach (profilemate doctor), or the session was "
      + "exported before ProfileMate recorded them";

  /** One class (or "all"): requests, blocks, hit rate and its misses as "reason n, reason n". */
  record Line(String requestClass, long requests, long eligibleBlocks, long hitBlocks, double hitRatePct,
      String misses) {}

  static PrefixCacheTable of(SessionData s) {
    if (s.dir() == null) {
      return none(SectionStatus.NO_SESSION);
    }
    Path file = s.dir().resolve(SummaryFile.PREFIX_CACHE.fileName);
    JsonNode root;
    try {
      root = Files.isRegularFile(file) ? Json.mapper().readTree(file.toFile()) : null;
    } catch (IOException e) {
      root = null; // the section shows nothing rather than fail the report over a summary
    }
    if (root == null || root.path("requests").asLong(0) == 0) {
      return none(NO_LOOKUPS);
    }
    List<Line> lines = new ArrayList<>();
    root.path("by_class").properties().forEach(e -> lines.add(line(e.getKey(), e.getValue())));
    lines.add(line("all", root));
    List<Reason> reasons = new ArrayList<>();
    JsonNode misses = root.path("misses");
    REASONS.forEach((name, words) -> {
      long n = misses.path(name).asLong(0);
      if (n > 0) {
        reasons.add(new Reason(name, words[0], n, words[1]));
      }
    });
    reasons.sort(Comparator.comparingLong(Reason::requests).reversed());
    return new PrefixCacheTable(SectionStatus.RECORDED, headline(root, lines.size() - 1, reasons), reasons, lines);
  }

  private static PrefixCacheTable none(String reason) {
    return new PrefixCacheTable(SectionStatus.notRecorded(reason), "", List.of(), List.of());
  }

  /** One sentence: the hit rate over what a hit could cover, then the misses, largest first. */
  private static String headline(JsonNode all, int classes, List<Reason> reasons) {
    long requests = all.path("requests").asLong();
    long eligible = all.path("eligible_blocks").asLong();
    StringBuilder b = new StringBuilder();
    if (eligible == 0) {
      b.append("No prompt had a KV block the prefix cache could have served (").append(requests)
          .append(requests == 1 ? " request" : " requests").append(").");
    } else {
      b.append(Num.pct(all.path("hit_rate_pct").asDouble())).append(" of the ").append(eligible)
          .append(" KV blocks a prefix-cache hit could have covered were found (").append(requests)
          .append(requests == 1 ? " request" : " requests").append(" in ").append(classes)
          .append(classes == 1 ? " class" : " classes").append(").");
    }
    if (reasons.isEmpty()) {
      return b.append(" Every request found all it could.").toString();
    }
    long missed = reasons.stream().mapToLong(Reason::requests).sum();
    b.append(' ').append(missed).append(missed == 1 ? " request" : " requests").append(" missed: ");
    for (int i = 0; i < reasons.size(); i++) {
      b.append(i == 0 ? "" : "; ").append(reasons.get(i).label()).append(' ').append(reasons.get(i).requests());
    }
    return b.append('.').toString();
  }

  private static Line line(String name, JsonNode n) {
    List<String> misses = new ArrayList<>();
    n.path("misses").properties().forEach(e -> {
      if (!e.getKey().equals("hit")) {
        misses.add(e.getKey() + " " + e.getValue().asLong());
      }
    });
    return new Line(name, n.path("requests").asLong(), n.path("eligible_blocks").asLong(),
        n.path("hit_blocks").asLong(), n.path("hit_rate_pct").asDouble(), String.join(", ", misses));
  }
}
