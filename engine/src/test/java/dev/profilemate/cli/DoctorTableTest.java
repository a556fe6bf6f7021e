package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class DoctorTableTest {
  @Test
  void columnsLineUpWhateverTheLengthOfNamesAndReasons() throws Exception {
    var targets = new ObjectMapper().readTree("""
        [{"state":"attached","profiler":"kv_cache","target":"vllm.v1.core.Scheduler.schedule","optional":false,"reason":""},
         {"state":"not_applicable","profiler":"moe_expert_tracking","target":"FusedMoE.select_experts","optional":true,
          "reason":"no MoE layer"},
         {"state":"missing","profiler":"cuda_graphs","target":"CUDAGraphWrapper.__call__","optional":false,
          "reason":"renamed in this vLLM"}]""");
    List<String> rows = DoctorCommand.table(targets).lines().toList();
    assertThat(rows).hasSize(3);
    // each column starts at the same offset on every row
    int profiler = rows.get(0).indexOf("kv_cache");
    assertThat(rows.get(1).indexOf("moe_expert_tracking")).isEqualTo(profiler);
    assertThat(rows.get(2).indexOf("cuda_graphs")).isEqualTo(profiler);
    int target = rows.get(0).indexOf("vllm.v1");
    assertThat(rows.get(1).indexOf("FusedMoE")).isEqualTo(target);
    assertThat(rows.get(2).indexOf("CUDAGraphWrapper")).isEqualTo(target);
    assertThat(rows.get(1).indexOf("-- no MoE")).isEqualTo(rows.get(2).indexOf("-- renamed"));
    assertThat(rows.get(0)).doesNotEndWith(" ");
  }
}
