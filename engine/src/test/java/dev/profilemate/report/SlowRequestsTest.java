package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Why was this one slow" on requests built to have a known answer: one bound by its queue wait,
 * one by a four-chunk prefill, one by its decode (with a queue wait of over a fifth of its
 * latency, which used to be named), one by waiting to resume after a preemption.
 */
class SlowRequestsTest {

  /**
   * Scheduler steps as vLLM records them: a step's timestamp is taken when schedule() starts, so
   * the step that starts a request comes a little before the request's started_sec.
   */
  static BuiltSession fourKnownRequests() {
    BuiltSession b = new BuiltSession();
    b.engine().put("max_num_seqs", 8).put("max_num_batched_tokens", 256);
    // queue-bound: arrived at 0, first scheduled at 1.0, one 100-token prefill chunk
    b.step(0.999, 1, 8, 100, 256, 100, 0).request("r-queue", 0.0, 1.0, 1.01, 1.2, 100, 20);
    for (int i = 0; i < 10; i++) {
      b.step(1.02 + 0.018 * i, 1, 8, 1, 256, 0, 0);
    }
    // prefill-bound: a 1,024-token prompt in four 256-token chunks, each a slow step
    for (int i = 0; i < 4; i++) {
      b.step(2.0 + 0.5 * i, 1, 8, 256, 256, 256, 0);
    }
    b.request("r-prefill", 2.0, 2.0005, 3.9, 4.0, 1024, 2);
    b.step(3.95, 1, 8, 1, 256, 0, 0);
    // decode-bound: 0.4 s queued (27% of 1.5 s), then 1.09 s of decode
    b.step(5.399, 1, 8, 50, 256, 50, 0).request("r-decode", 5.0, 5.4, 5.41, 6.5, 50, 100);
    for (int i = 0; i < 20; i++) {
      b.step(5.42 + 0.05 * i, 1, 8, 1, 256, 0, 0);
    }
    // preempted: decoding from 7.1, preempted at 7.2, resumed at 9.0 (1.8 s waiting), done at 9.2
    b.step(7.0, 1, 8, 64, 256, 64, 0).step(7.15, 1, 8, 1, 256, 0, 0)
        .request("r-preempted", 7.0, 7.0005, 7.1, 9.2, 64, 30, 1, 7.2, 9.0, 1.8, 70)
        .preemption(7.2, "r-preempted", "preempted").preemption(9.0, "r-preempted", "resumed")
        .step(9.0, 1, 8, 70, 256, 70, 0).step(9.1, 1, 8, 1, 256, 0, 0);
    return b;
  }

  private static Map<String, SlowRequests.SlowRequest> slow(Path tmp) throws IOException {
    Path s = fourKnownRequests().write(tmp.resolve("session_built"));
    return SlowRequests.of(SessionData.read(s)).slowest().stream()
        .collect(Collectors.toMap(SlowRequests.SlowRequest::requestId, Function.identity()));
  }

  @Test
  void eachRequestIsNamedByTheLargestPartOfItsLatency(@TempDir Path tmp) throws IOException {
    Map<String, SlowRequests.SlowRequest> s = slow(tmp);
    assertThat(s.get("r-queue").mainCause()).isEqualTo("queue wait");
    assertThat(s.get("r-queue").why()).contains("waited 1.000 s in the queue");
    assertThat(s.get("r-prefill").mainCause()).isEqualTo("prefill");
    assertThat(s.get("r-prefill").why()).contains("1024 prompt tokens").contains("4 chunks");
    assertThat(s.get("r-decode").mainCause()).isEqualTo("decode");
    assertThat(s.get("r-decode").why()).contains("100 output tokens");
    assertThat(s.get("r-preempted").mainCause()).isEqualTo("preempted");
    assertThat(s.get("r-preempted").why()).contains("waited 1.800 s to resume").contains("70 tokens recomputed");
  }

  @Test
  void thePartsAddUpToTheLatency(@TempDir Path tmp) throws IOException {
    Map<String, SlowRequests.SlowRequest> s = slow(tmp);
    for (SlowRequests.SlowRequest r : s.values()) {
      assertThat(r.queueWaitSec() + r.prefillSec() + r.decodeSec() + r.waitingToResumeSec())
          .as(r.requestId()).isCloseTo(r.latencySec(), within(1e-9));
    }
    SlowRequests.SlowRequest p = s.get("r-preempted");
    assertThat(p.waitingToResumeSec()).isCloseTo(1.8, within(1e-9));
    assertThat(p.decodeSec()).isCloseTo(0.3, within(1e-9)); // 7.1 → 9.2 less the 1.8 s waiting
    assertThat(s.get("r-prefill").prefillSec()).isCloseTo(1.8995, within(1e-9));
    assertThat(s.get("r-decode").queueWaitSec()).isCloseTo(0.4, within(1e-9));
  }

  @Test
  void prefillChunksCountTheStepThatStartedTheRequest(@TempDir Path tmp) throws IOException {
    Map<String, SlowRequests.SlowRequest> s = slow(tmp);
    assertThat(s.get("r-prefill").prefillChunksAtLeast()).isEqualTo(4);
    assertThat(s.get("r-prefill").prefillChunksAtMost()).isEqualTo(4);
    assertThat(s.get("r-prefill").prefillChunks()).isEqualTo("4");
    for (String id : new String[] {"r-queue", "r-decode", "r-preempted"}) {
      assertThat(s.get(id).prefillChunks()).as(id).isEqualTo("1");
    }
    // never an impossible range, whatever the steps say
    assertThat(s.values()).allSatisfy(r -> assertThat(r.prefillChunksAtLeast()).isLessThanOrEqualTo(
        r.prefillChunksAtMost()));
  }
}
