package dev.profilemate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Analyses and recommendation rules on small edits of the golden session. */
class ReportAnalysesTest {

  private static Recommendation rec(Report r, String topic) {
    return r.recommendations().stream().filter(x -> x.topic().equals(topic)).findFirst().orElseThrow();
  }

  private static void kvUsage(Path s, double... pct) throws IOException {
    StringBuilder b = new StringBuilder("timestamp_sec,usage_pct,num_blocks,total_blocks\n");
    for (int i = 0; i < pct.length; i++) {
      b.append(String.format(java.util.Locale.ROOT, "%.6f,%.2f,%d,100%n", 0.01 * (i + 1), pct[i], Math.round(pct[i])));
    }
    Files.writeString(s.resolve("kv_cache_usage.csv"), b.toString());
  }

  @ParameterizedTest
  @CsvSource({"20, act, Over-provisioned", "70, ok, Healthy", "85, watch, outside", "95, act, Under-provisioned",
      "50, watch, outside"})
  void kvSizingBands(double usage, String verdict, String finding, @TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    kvUsage(s, usage, usage, usage, usage);
    TestSessions.headerOnly(s.resolve("preemption_events.csv"));
    Recommendation r = rec(Report.of(s, null), "KV cache size");
    assertThat(r.verdict()).isEqualTo(verdict);
    assertThat(r.finding()).contains(finding);
    assertThat(r.evidence()).extracting(Recommendation.Evidence::label).contains("P95 usage (the level held 95% of the time)");
  }

  @Test
  void goldenRecommendationsCarryTheirNumbers() {
    Report r = Report.of(TestSessions.GOLDEN, null);
    assertThat(r.recommendations()).extracting(Recommendation::topic).containsExactly("KV cache size",
        "max_num_seqs", "max_num_batched_tokens", "Preemptions", "CUDA graph capture sizes", "MoE expert balance",
        "Prefix cache", "CPU overhead");
    assertThat(rec(r, "KV cache size").verdict()).isEqualTo("act"); // 100% peak, a kv_cache_full preemption
    Recommendation p = rec(r, "Preemptions");
    assertThat(p.finding()).contains("kv_cache_full 1").contains("27 recomputed tokens");
    Recommendation g = rec(r, "CUDA graph capture sizes");
    assertThat(g.action()).contains("\"cudagraph_capture_sizes\": [2, 17, 64]");
    // layer 0 from an older probe's text records, layer 1 from spool minor 4's arrays
    assertThat(rec(r, "MoE expert balance").finding()).contains("2 of 2 layers are imbalanced");
    assertThat(rec(r, "Prefix cache").evidence()).contains(
        new Recommendation.Evidence("hit rate (hits ÷ (hits + allocations))", "5.4%"));
    assertThat(r.recommendations()).allMatch(x -> !x.evidence().isEmpty() && !x.action().isEmpty());
  }

  @Test
  void slowRequestsSayWhichDecodeStepsCarriedLongPrefills(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    // step 2 carries a 40-token prefill (a long one: at least half of the 64-token budget)
    TestSessions.replaceIn(s.resolve("batch_utilization.csv"), "0.030000,2,4,50.00,17,64,26.56,mixed,2,0,2,16,1,0",
        "0.030000,2,4,50.00,41,64,64.06,mixed,2,0,2,40,1,0");
    SlowRequests slow = SlowRequests.of(SessionData.read(s));
    SlowRequests.SlowRequest a = slow.slowest().get(0);
    SlowRequests.SlowRequest b = slow.slowest().get(1);
    assertThat(b.requestId()).isEqualTo("req-b");
    assertThat(b.latencySec()).isCloseTo(0.057, within(1e-9));
    assertThat(b.waitingToResumeSec()).isCloseTo(0.010, within(1e-9)); // preempted 0.040, resumed 0.050
    assertThat(b.preemptions()).isEqualTo(1);
    assertThat(b.recomputedTokens()).isEqualTo(27);
    assertThat(a.mainCause()).isEqualTo("decode");
    assertThat(a.stepsSharedWithLongPrefills()).isEqualTo(1);
    assertThat(a.timeInLongPrefillStepsSec()).isCloseTo(0.006, within(1e-9)); // forward step at 0.031
    assertThat(a.why()).contains("1 of its decode steps carried long prefills (0.006 s)");
    assertThat(a.prefillChunks()).isEqualTo("1");
  }

  @Test
  void percentilesComeFromTheHistogramWithExactExtremes() {
    Distribution d = new Distribution();
    for (int i = 1; i <= 1000; i++) {
      d.add(i / 10.0);
    }
    Distribution.Summary s = d.summary();
    assertThat(s.count()).isEqualTo(1000);
    assertThat(s.min()).isEqualTo(0.1);
    assertThat(s.max()).isEqualTo(100.0);
    assertThat(s.p50()).isCloseTo(50.0, within(0.1));
    assertThat(s.p99()).isCloseTo(99.0, within(0.1));
    assertThat(s.mean()).isCloseTo(50.05, within(1e-9));
    assertThat(new Distribution().add(Double.NaN).add(-1).summary()).isEqualTo(Distribution.Summary.EMPTY);
  }

  @Test
  void notRecordedReasonsSayWhy(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    for (String f : List.of("moe_expert_activations.csv", "encoder_decoder_timing.csv")) {
      TestSessions.headerOnly(s.resolve(f));
    }
    TestSessions.headerOnly(s.resolve("cpu_operations_timing.csv"));
    TestSessions.delete(s, "cuda_graph_usage.csv");
    TestSessions.delete(s, "cuda_graph_captures.csv");
    TestSessions.editMetadata(s, m -> {
      m.remove("moe"); // a dense model: the probe saw no MoE layer
      m.putArray("profilers_enabled");
      m.putObject("probe_config").put("ENABLE_CPU_TIMING", false);
      ((ObjectNode) m.get("engine")).putObject("model_config").put("hidden_size", 64);
      ObjectNode t = (ObjectNode) m.get("probe_targets");
      t.putObject("vllm.multimodal:Encoder.forward").put("profiler", "encoder_decoder").put("state", "missing")
          .put("reason", "module not imported");
    });
    SessionData d = SessionData.read(s);
    assertThat(SectionStatus.of(d, Profiler.MOE).reason()).startsWith("not an MoE model");
    assertThat(SectionStatus.of(d, Profiler.CPU_TIMING).reason())
        .isEqualTo("profiler off: ENABLE_CPU_TIMING is False in the probe config (metadata.json probe_config)");
    assertThat(SectionStatus.of(d, Profiler.CUDA_GRAPHS).reason()).isEqualTo("cuda_graph_usage.csv is not in the session folder");
    assertThat(SectionStatus.of(d, Profiler.ENCODER_DECODER).reason())
        .isEqualTo("the probe could not attach: vllm.multimodal:Encoder.forward missing (module not imported)");
    assertThat(SectionStatus.of(d, Profiler.KV_CACHE).recorded()).isTrue();
  }

  @Test
  void moeLayersThatRouteInsideTheirKernelAreSaidNotEmptyTables(@TempDir Path tmp) throws IOException {
    // every MoE layer on a monolithic kernel (FlashInfer TRTLLM MoE): no counts, and the reason
    Path s = TestSessions.copyOfGolden(tmp);
    for (String f : List.of("moe_expert_activations.csv", "moe_expert_coselection.csv", "moe_load_imbalance.csv")) {
      TestSessions.headerOnly(s.resolve(f));
    }
    TestSessions.editMetadata(s, m -> m.putArray("profilers_enabled").add("moe"));
    SessionData d = SessionData.read(s);
    assertThat(SectionStatus.of(d, Profiler.MOE).reason())
        .isEqualTo("MoE counts not recorded: TrtLlmBf16Experts routes inside its kernel");
  }

  @Test
  void moeFilesAreFoundInTheOriginalToolsFolderToo(@TempDir Path tmp) throws IOException {
    Path s = TestSessions.copyOfGolden(tmp);
    Files.delete(s.resolve("moe_expert_activations.csv"));
    MoeAnalysis moe = MoeAnalysis.of(SessionData.read(s));
    assertThat(moe.status().recorded()).isTrue();
    assertThat(moe.perLayer()).hasSize(2).first().satisfies(l -> assertThat(l.maxMinRatio()).isCloseTo(35 / 3.0,
        within(1e-9)));
    // what the counts leave out, from metadata.json "moe"
    assertThat(moe.note()).contains("Shared experts per layer: 1; they process every token")
        .contains("MoE counts not recorded: TrtLlmBf16Experts routes inside its kernel (layers [2])")
        .contains("1 dense layer [3] route nothing");
  }

  @Test
  void seedColumnsOnlyStillRead(@TempDir Path tmp) throws IOException {
    // a session written by the original tool: only the seed columns of SPEC.md §2
    Path s = TestSessions.copyOfGolden(tmp);
    Files.writeString(s.resolve("batch_utilization.csv"), """
        timestamp_sec,num_seqs,max_num_seqs,seq_utilization_pct,num_tokens,max_tokens,token_utilization_pct,phase,running_queue_len,waiting_queue_len
        0.010000,1,4,25.00,64,64,100.00,prefill,1,1
        0.020000,2,4,50.00,2,64,3.13,decode,2,0
        """);
    Files.writeString(s.resolve("request_lifecycle.csv"), """
        request_id,started_sec,preempted_sec,resumed_sec,finished_sec,total_time_sec,preemption_delay_sec
        r1,0.010000,,,0.030000,0.020000,0.000000
        """);
    Report r = Report.of(s, null);
    assertThat(r.analyses().batch().activeSteps()).isEqualTo(2);
    assertThat(r.analyses().slowRequests().slowest()).singleElement()
        .satisfies(x -> assertThat(x.latencySec()).isCloseTo(0.02, within(1e-9)));
    assertThat(HtmlReport.render(r)).contains("r1");
  }

  @Test
  void realSchedulerSessionAnalyses() {
    Report r = Report.of(TestSessions.REAL_SCHEDULER, null);
    Analyses a = r.analyses();
    assertThat(a.kv().status().recorded()).isTrue();
    assertThat(a.preemption().preemptions()).isEqualTo(5);
    assertThat(a.preemption().reasons()).containsOnlyKeys("kv_cache_full");
    assertThat(a.steps().status().recorded()).isFalse();
    assertThat(a.moe().status().reason()).startsWith("not an MoE model");
    assertThat(a.efficiency().status().reason()).contains("forward_pass_timing.csv");
    assertThat(rec(r, "KV cache size").verdict()).isEqualTo("act");
    // cudagraph_mode NONE: no step could run as a graph, so no capture sizes are advised
    assertThat(r.recommendations()).extracting(Recommendation::topic).doesNotContain("CUDA graph capture sizes");
    assertThat(a.graphs().status().reason()).startsWith("off in this session (cudagraph_mode NONE");
    // the slowest requests were preempted, and say so
    assertThat(a.slowRequests().slowest().get(0).mainCause()).isEqualTo("preempted");
  }
}
