package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An hours-long session still gives a report of bounded size: series are thinned, timelines capped. */
class LargeSessionTest {
  private static final int STEPS = 100_000;
  private static final int REQUESTS = 10_000;

  @Test
  void longSessionsGiveBoundedReports(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    SplittableRandom rnd = new SplittableRandom(7);
    try (BufferedWriter kv = Files.newBufferedWriter(s.resolve("kv_cache_usage.csv"));
        BufferedWriter batch = Files.newBufferedWriter(s.resolve("batch_utilization.csv"));
        BufferedWriter fwd = Files.newBufferedWriter(s.resolve("forward_pass_timing.csv"))) {
      kv.write("timestamp_sec,usage_pct,num_blocks,total_blocks\n");
      batch.write("timestamp_sec,num_seqs,max_num_seqs,seq_utilization_pct,num_tokens,max_tokens,"
          + "token_utilization_pct,phase,running_queue_len,waiting_queue_len,step,num_prefill_tokens,"
          + "num_decode_tokens,num_preempted\n");
      fwd.write("timestamp_sec,phase,batch_size,num_tokens,forward_time_ms,throughput_tokens_per_sec\n");
      for (int i = 0; i < STEPS; i++) {
        double t = i * 0.02;
        int seqs = 1 + rnd.nextInt(256);
        boolean prefill = rnd.nextInt(10) == 0;
        int pre = prefill ? 1 + rnd.nextInt(2048) : 0;
        int tokens = seqs + pre;
        String phase = prefill ? "mixed" : "decode";
        double ms = 5 + tokens * 0.01 + rnd.nextDouble();
        kv.write(String.format(Locale.ROOT, "%.6f,%.2f,%d,10000%n", t, 60 + 30 * rnd.nextDouble(), 6000));
        batch.write(String.format(Locale.ROOT, "%.6f,%d,256,%.2f,%d,8192,%.2f,%s,%d,%d,%d,%d,%d,0%n", t, seqs,
            100.0 * seqs / 256, tokens, 100.0 * tokens / 8192, phase, seqs, rnd.nextInt(20), i, pre, seqs));
        fwd.write(String.format(Locale.ROOT, "%.6f,%s,%d,%d,%.3f,%.1f%n", t + 0.001, phase, seqs, tokens, ms,
            tokens / ms * 1e3));
      }
    }
    try (BufferedWriter lc = Files.newBufferedWriter(s.resolve("request_lifecycle.csv"))) {
      lc.write("request_id,started_sec,preempted_sec,resumed_sec,finished_sec,total_time_sec,preemption_delay_sec,"
          + "arrival_sec,first_token_sec,num_prompt_tokens,num_output_tokens,num_preemptions,finish_reason,"
          + "recomputed_tokens,queue_wait_sec\n");
      for (int i = 0; i < REQUESTS; i++) {
        double a = i * 0.2;
        double st = a + rnd.nextDouble();
        double f = st + 1 + 10 * rnd.nextDouble();
        lc.write(String.format(Locale.ROOT, "req-%d,%.6f,,,%.6f,%.6f,0,%.6f,%.6f,512,256,0,stop,0,%.6f%n", i, st, f,
            f - st, a, st + 0.1, st - a));
      }
    }
    long t0 = System.nanoTime();
    Report r = Report.of(s, null);
    String html = HtmlReport.render(r);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("[large session] %d steps, %d requests: report %d bytes in %d ms%n", STEPS, REQUESTS,
        html.length(), ms);
    assertThat(r.analyses().kv().usageOverTime()).hasSize(Downsample.MAX_POINTS);
    assertThat(r.analyses().batch().tokenUtilizationOverTime()).hasSize(Downsample.MAX_POINTS);
    assertThat(r.analyses().preemption().timelines()).hasSize(PreemptionAnalysis.MAX_TIMELINES);
    assertThat(r.analyses().slowRequests().slowest()).hasSize(SlowRequests.TOP);
    assertThat(r.analyses().steps().phases()).extracting(p -> p.forwardMs().count()).containsOnly(
        r.analyses().steps().phases().stream().mapToLong(p -> p.forwardMs().count()).max().orElse(0),
        r.analyses().steps().phases().stream().mapToLong(p -> p.forwardMs().count()).min().orElse(0));
    assertThat(r.analyses().graphs().captureSizes().recommended().sizes()).hasSize(3); // budget = current sizes
    assertThat(html.length()).as("report size").isLessThan(4_000_000);
  }
}
