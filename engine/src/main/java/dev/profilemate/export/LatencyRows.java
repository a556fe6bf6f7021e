package dev.profilemate.export;

import dev.profilemate.aggregate.LatencyParts;
import dev.profilemate.common.CsvTable;

/** latency_parts.csv: one row per request, its TTFT and inter-token latency split into parts. */
final class LatencyRows {
  private LatencyRows() {}

  /** One request's row (Pipeline's sink looks the CSV up when a row comes, as its others do). */
  static void write(CsvTable.Writer out, LatencyParts.Row r, byte[] rankCells) {
    out.text(r.requestId()).fixed(r.arrivalSec(), 6).fixed(r.ttftSec(), 6)
        .fixed(r.queueWaitSec(), 6).fixed(r.prefillComputeSec(), 6).fixed(r.betweenChunksSec(), 6)
        .fixed(r.preemptionTtftSec(), 6).whole(r.prefillChunks()).fixed(r.apiOutputSec(), 6)
        .whole(r.numOutputTokens()).fixed(r.itlSec(), 6).fixed(r.decodeStepSec(), 6).fixed(r.satOutSec(), 6)
        .fixed(r.preemptionItlSec(), 6).whole(r.decodeSteps()).whole(r.satOutSteps()).text(r.ttftDominant())
        .text(r.itlDominant()).preformatted(rankCells, Pipeline.RANK_CELLS).end();
  }
}
