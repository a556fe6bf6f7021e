package dev.profilemate.session;

import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;

/**
 * A process's place in vLLM's parallel layout, from its parallel_identity record (spool minor 9):
 * ranks and sizes of the world, data-, pipeline-, tensor-, expert-, prefill-context- and
 * decode-context-parallel groups; -1 where the process has no such group (an EngineCore has a DP
 * rank only). sequenceParallelMoe: vLLM's ParallelConfig.use_sequence_parallel_moe (flags bit 2), under
 * which TP ranks may route different tokens (MoeTotals). One record per process, applied to all its records (latest wins).
 */
public record ParallelIdentity(
    String node,
    int worldRank,
    int worldSize,
    int localRank,
    int dpRank,
    int dpSize,
    int ppRank,
    int ppSize,
    int tpRank,
    int tpSize,
    int epRank,
    int epSize,
    int pcpRank,
    int pcpSize,
    int dcpRank,
    int dcpSize,
    boolean expertParallel,
    boolean eplb,
    boolean sequenceParallelMoe,
    String source) implements java.io.Serializable {

  public static final String RECORD = "parallel_identity";
  private static final Field WORLD_RANK = Field.of("world_rank");
  private static final Field WORLD_SIZE = Field.of("world_size");
  private static final Field LOCAL_RANK = Field.of("local_rank");
  private static final Field DP_RANK = Field.of("dp_rank");
  private static final Field DP_SIZE = Field.of("dp_size");
  private static final Field PP_RANK = Field.of("pp_rank");
  private static final Field PP_SIZE = Field.of("pp_size");
  private static final Field TP_RANK = Field.of("tp_rank");
  private static final Field TP_SIZE = Field.of("tp_size");
  private static final Field EP_RANK = Field.of("ep_rank");
  private static final Field EP_SIZE = Field.of("ep_size");
  private static final Field PCP_RANK = Field.of("pcp_rank");
  private static final Field PCP_SIZE = Field.of("pcp_size");
  private static final Field DCP_RANK = Field.of("dcp_rank");
  private static final Field DCP_SIZE = Field.of("dcp_size");
  private static final Field FLAGS = Field.of("flags");
  private static final Field NODE = Field.of("node");
  private static final Field SOURCE = Field.of("source");

  public static ParallelIdentity of(SpoolRecord r) {
    long flags = r.getLong(FLAGS);
    return new ParallelIdentity(r.getString(NODE), r.getInt(WORLD_RANK), r.getInt(WORLD_SIZE), r.getInt(LOCAL_RANK),
        r.getInt(DP_RANK), r.getInt(DP_SIZE), r.getInt(PP_RANK), r.getInt(PP_SIZE), r.getInt(TP_RANK),
        r.getInt(TP_SIZE), r.getInt(EP_RANK), r.getInt(EP_SIZE), r.getInt(PCP_RANK), r.getInt(PCP_SIZE),
        r.getInt(DCP_RANK), r.getInt(DCP_SIZE), (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0,
        r.getString(SOURCE));
  }

  /** For metadata.json: every rank and size, -1 where the process has none. */
  public java.util.Map<String, Object> describe() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("node", node);
    m.put("world_rank", worldRank);
    m.put("world_size", worldSize);
    m.put("local_rank", localRank);
    m.put("dp_rank", dpRank);
    m.put("dp_size", dpSize);
    m.put("pp_rank", ppRank);
    m.put("pp_size", ppSize);
    m.put("tp_rank", tpRank);
    m.put("tp_size", tpSize);
    m.put("ep_rank", epRank);
    m.put("ep_size", epSize);
    m.put("pcp_rank", pcpRank);
    m.put("pcp_size", pcpSize);
    m.put("dcp_rank", dcpRank);
    m.put("dcp_size", dcpSize);
    m.put("enable_expert_parallel", expertParallel);
    m.put("enable_eplb", eplb);
    m.put("sequence_parallel_moe", sequenceParallelMoe);
    m.put("source", source);
    return m;
  }
}
