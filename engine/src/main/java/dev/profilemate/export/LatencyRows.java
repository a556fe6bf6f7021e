package dev.profilemate.export;

import dev.profilemate.aggregate.LatencyParts;
import dev.profilemate.common.CsvTable;
import java.util.Map;
import java.util.function.Consumer;

/** latency_parts.csv: one row per request, its TTFT and inter-token latency split into parts. */
final class LatencyRows {
  private LatencyRows() {}

  /** Looks the CSV up when a row comes, as Pipeline's other sinks do. */
  static Consumer<LatencyParts.Row> sink(Map<SessionFile, CsvTable.Writer> t) {
    return r -> t.get(SessionFile.LATENCY_PARTS).text(r.requestId()).fixed(r.arrivalSec(), 6).fixed(r.ttftSec(), 6)
        .fixed(r.queueWaitSec(), 6).fixed(r.prefillComputeSec(), 6).fixed(r.betweenChunksSec(), 6)
        .fixed(r.preemptionTtftSec(), 6).whole(r.prefillChunks()).fixed(r.apiOutputSec(), 6)
        .whole(r.numOutputTokens()).fixed(r.itlSec(), 6).fixed(r.decodeStepSec(), 6).fixed(r.satOutSec(), 6)
        .fixed(r.preemptionItlSec(), 6).whole(r.decodeSteps()).whole(r.satOutSteps()).text(r.ttftDominant())
        .text(r.itlDominant()).end();
  }
}
