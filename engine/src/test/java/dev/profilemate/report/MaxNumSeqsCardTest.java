package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The max_num_seqs card judges from the steps that left requests waiting: waiting while the batch
 * holds max_num_seqs sequences makes max_num_seqs the limit; waiting below it means something else
 * (KV blocks, the token budget) is, and the card must not say OK.
 */
class MaxNumSeqsCardTest {

  /** 20 steps, every one with requests waiting, the batch as given, KV usage as given. */
  private static Recommendation card(Path tmp, int seqs, int maxSeqs, int tokens, int prefill, double kvPct)
      throws IOException {
    BuiltSession b = new BuiltSession();
    b.engine().put("max_num_seqs", maxSeqs).put("max_num_batched_tokens", 256);
    for (int i = 0; i < 20; i++) {
      double t = 1 + 0.01 * i;
      b.step(t, seqs, maxSeqs, tokens, 256, prefill, 3).kv(t, kvPct);
    }
    Report r = Report.of(b.write(tmp.resolve("session_built")), null);
    return r.recommendations().stream().filter(x -> x.topic().equals("max_num_seqs")).findFirst().orElseThrow();
  }

  @Test
  void waitingWhileTheBatchHoldsMaxNumSeqsMakesItTheLimit(@TempDir Path tmp) throws IOException {
    Recommendation c = card(tmp, 4, 4, 4, 0, 50);
    assertThat(c.verdict()).isEqualTo("act");
    assertThat(c.finding()).contains("max_num_seqs (4)");
    assertThat(c.action()).contains("Raise --max-num-seqs (now 4)");
    assertThat(c.evidence()).contains(new Recommendation.Evidence("… with the batch at max_num_seqs", "20 of 20 (100.0%)"));
  }

  @Test
  void waitingBelowMaxNumSeqsWithTheKvCacheFullNamesKvBlocks(@TempDir Path tmp) throws IOException {
    // 2 of 8 sequences running, 2 of 256 tokens, 3 requests waiting at every step: KV blocks hold them
    Recommendation c = card(tmp, 2, 8, 2, 0, 95);
    assertThat(c.verdict()).isNotEqualTo("ok").isEqualTo("watch");
    assertThat(c.finding()).contains("100.0% of steps").contains("max_num_seqs is not the limit")
        .contains("KV blocks").contains("KV usage 95.0%");
    assertThat(c.action()).contains("would not admit them").contains("KV cache");
    assertThat(c.evidence()).contains(new Recommendation.Evidence("… below both limits", "20 of 20 (100.0%)"));
  }

  @Test
  void waitingBelowMaxNumSeqsAtTheTokenBudgetNamesTheBudget(@TempDir Path tmp) throws IOException {
    Recommendation c = card(tmp, 3, 8, 256, 253, 50);
    assertThat(c.verdict()).isEqualTo("watch");
    assertThat(c.finding()).contains("max_num_seqs is not the limit").contains("token budget");
    assertThat(c.action()).contains("max_num_batched_tokens");
  }
}
