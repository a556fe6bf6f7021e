package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data-parallel balance on steps of two EngineCores whose loads differ by construction. */
class DataParallelAnalysisTest {

  /**
   * 120 s; every 10 ms each DP rank steps: rank 0 with 100 tokens and nobody waiting; rank 1 with
   * 300 tokens in the first half and 100 in the second, with 5 requests waiting in the first half.
   * An API server row (no rank) is left out.
   */
  private static Path session(Path dir) throws IOException {
    Files.createDirectories(dir);
    StringBuilder b = new StringBuilder("timestamp_sec,num_seqs,max_num_seqs,num_tokens,max_tokens,phase,"
        + "running_queue_len,waiting_queue_len,num_prefill_tokens,node,dp_rank,pp_rank,tp_rank,ep_rank\n");
    for (int i = 0; i < 12_000; i++) {
      double t = i * 0.01;
      boolean first = t < 60;
      b.append(String.format(Locale.ROOT, "%.6f,4,8,100,512,decode,4,0,0,n0,0,,,%n", t));
      b.append(String.format(Locale.ROOT, "%.6f,8,8,%d,512,decode,8,%d,0,n0,1,,,%n", t + 0.005, first ? 300 : 100,
          first ? 5 : 0));
    }
    b.append("0.001,0,8,0,512,idle,0,0,0,n0,,,,\n");
    Files.writeString(dir.resolve("batch_utilization.csv"), b);
    Files.writeString(dir.resolve("metadata.json"), "{\"engine\": {\"model\": \"m\", \"data_parallel_size\": 2}}");
    return dir;
  }

  @Test
  void theBusierRankAndItsWindowsAreNamed(@TempDir Path tmp) throws IOException {
    DataParallelAnalysis d = Report.of(session(tmp.resolve("s")), null).analyses().dataParallel();
    assertThat(d.status().recorded()).as(d.status().reason()).isTrue();
    assertThat(d.ranks()).isEqualTo(2);
    assertThat(d.perRank()).extracting(DataParallelAnalysis.Rank::dpRank).containsExactly(0L, 1L);
    DataParallelAnalysis.Rank r1 = d.perRank().get(1);
    assertThat(r1.steps()).isEqualTo(12_000);
    assertThat(r1.tokens()).isEqualTo(6_000L * 300 + 6_000L * 100);
    assertThat(d.perRank().get(0).tokens()).isEqualTo(12_000L * 100);
    // rank 1: 2.4M of 3.6M tokens = 1.333x the mean; windows: 300/200 = 1.5 in the first half, 1.0 after
    assertThat(d.tokenImbalance()).isCloseTo(2_400_000.0 / 1_800_000, within(1e-9));
    assertThat(d.windowImbalance().max()).isCloseTo(1.5, within(1e-9));
    assertThat(d.windowImbalance().min()).isCloseTo(1.0, within(1e-9));
    assertThat(r1.pctStepsWithWaiting()).isCloseTo(50, within(1e-9));
    assertThat(d.headline()).startsWith("2 DP ranks: rank 1 scheduled 66.7% of the tokens (1.33× the mean)")
        .contains("Requests waited in 50.0% of rank 1's steps against 0.0% of rank 0's");
  }

  @Test
  void oneRankOrNoneSaysSo(@TempDir Path tmp) throws IOException {
    Path s = tmp.resolve("one");
    Files.createDirectories(s);
    Files.writeString(s.resolve("batch_utilization.csv"), "timestamp_sec,num_tokens,dp_rank\n0.1,10,0\n0.2,10,0\n");
    assertThat(Report.of(s, null).analyses().dataParallel().status().reason()).contains("one data-parallel rank (0)");
    Files.writeString(s.resolve("batch_utilization.csv"), "timestamp_sec,num_tokens\n0.1,10\n");
    assertThat(Report.of(s, null).analyses().dataParallel().status().reason()).contains("no data-parallel ranks");
  }
}
