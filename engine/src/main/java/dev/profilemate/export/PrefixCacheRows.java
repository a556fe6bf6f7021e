package dev.profilemate.export;

import dev.profilemate.aggregate.PrefixCacheMisses;
import dev.profilemate.common.CsvTable;
import java.util.List;

/** prefix_cache_requests.csv: one row per request's prefix-cache lookup, with its miss reason. */
final class PrefixCacheRows {
  private PrefixCacheRows() {}

  /** ranks: the rank cells of each row's process (the EngineCore that looked it up). */
  static void write(CsvTable.Writer out, List<PrefixCacheMisses.Row> rows, dev.profilemate.aggregate.Ranks ranks) {
    for (PrefixCacheMisses.Row r : rows) {
      out.fixed(r.timestampSec(), 6).text(r.requestId()).text(r.requestClass()).text(r.classKey())
          .whole(r.promptTokens()).whole(r.blockSize()).whole(r.blocks()).whole(r.eligibleBlocks())
          .whole(r.hitBlocks()).text(r.reason()).whole(r.missBlock()).whole(r.sharedTokens()).text(r.mismatch())
          .fixed(r.evictedAgoSec(), 6).whole(r.lookups()).preformatted(ranks.cells(r.process()), Pipeline.RANK_CELLS)
          .end();
    }
  }
}
