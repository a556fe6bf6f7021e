package dev.profilemate.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.common.Json;
import dev.profilemate.export.SummaryFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The KV section's prefix-cache table: hit rate and miss reasons per request class, as the export
 * put them in prefix_cache_summary.json (docs/prefix-cache.md). Read on its own, like
 * {@link LatencyAnswer}: one small JSON file. Empty when the session has no lookups (or was
 * exported before them).
 */
record PrefixCacheTable(List<Line> classes) {

  /** One class (or "all"): requests, blocks, hit rate and its misses as "reason n, reason n". */
  record Line(String requestClass, long requests, long eligibleBlocks, long hitBlocks, double hitRatePct,
      String misses) {}

  static PrefixCacheTable of(SessionData s) {
    if (s.dir() == null) {
      return new PrefixCacheTable(List.of());
    }
    Path file = s.dir().resolve(SummaryFile.PREFIX_CACHE.fileName);
    JsonNode root;
    try {
      root = Files.isRegularFile(file) ? Json.mapper().readTree(file.toFile()) : null;
    } catch (IOException e) {
      root = null; // the section shows nothing rather than fail the report over a summary
    }
    if (root == null || root.path("requests").asLong(0) == 0) {
      return new PrefixCacheTable(List.of());
    }
    List<Line> lines = new ArrayList<>();
    root.path("by_class").properties().forEach(e -> lines.add(line(e.getKey(), e.getValue())));
    lines.add(line("all", root));
    return new PrefixCacheTable(lines);
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
