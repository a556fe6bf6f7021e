package dev.profilemate.aggregate;

import dev.profilemate.session.ParallelIdentity;
import dev.profilemate.spool.Field;
import dev.profilemate.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * The model's MoE structure as vLLM built it (moe_layer records): which decoder layers are MoE
 * and which dense, routed and shared experts, top_k, grouped top-k; and the layers whose kernel
 * routes inside itself (moe_routing_hidden), whose counts the probe cannot see.
 */
public final class MoeLayers implements RecordConsumer, java.io.Serializable {
  /** The fields read, each looked up once per record type (Field). */
  private static final Field NUM_HIDDEN_LAYERS = Field.of("num_hidden_layers");
  private static final Field LAYER = Field.of("layer");
  private static final Field ROUTED_EXPERTS = Field.of("routed_experts");
  private static final Field SHARED_EXPERTS = Field.of("shared_experts");
  private static final Field TOP_K = Field.of("top_k");
  private static final Field NUM_EXPERT_GROUP = Field.of("num_expert_group");
  private static final Field TOPK_GROUP = Field.of("topk_group");
  private static final Field ROUTING = Field.of("routing");
  private static final Field BACKEND = Field.of("backend");

  /** One MoE layer's shape. groups/topkGroup 0: no grouped top-k. */
  public record Shape(int routedExperts, int sharedExperts, int topK, int groups, int topkGroup, String routing,
      String backend) implements java.io.Serializable {}

  /**
   * One row of moe_layers.csv: one process's decoder layer, MoE or dense, with what it routed.
   * inModelTotal: whether its counts are in the model-wide totals (MoeTotals); null without counts.
   */
  public record LayerRow(int process, int layer, String kind, Shape shape, Long tokens, Long routedTokens,
      Long sharedExpertTokens, String counts, Boolean inModelTotal) {}

  /** The model's: each layer's latest shape and hidden routing, over all processes. */
  private final Map<Integer, Shape> shapes = new TreeMap<>();
  private final Map<Integer, String> hidden = new TreeMap<>();
  /** Each process's own, by (process, layer) key (MoeTotals.key): with PP a worker builds only its layers. */
  private final Map<Long, Shape> processShapes = new TreeMap<>();
  private final Map<Long, String> processHidden = new TreeMap<>();
  private int numHiddenLayers;

  /** The types accept() reads (its cases): the rest are never handed to it. */
  private static final java.util.Set<String> RECORDS = java.util.Set.of("moe_layer", "moe_routing_hidden");

  @Override
  public boolean wants(String recordName) {
    return RECORDS.contains(recordName);
  }

  @Override
  public void accept(SpoolRecord r) {
    switch (r.name()) {
      case "moe_layer" -> {
        numHiddenLayers = Math.max(numHiddenLayers, r.getInt(NUM_HIDDEN_LAYERS));
        Shape shape = new Shape(r.getInt(ROUTED_EXPERTS), r.getInt(SHARED_EXPERTS),
            r.getInt(TOP_K), r.getInt(NUM_EXPERT_GROUP), r.getInt(TOPK_GROUP), r.getString(ROUTING),
            r.getString(BACKEND));
        shapes.put(r.getInt(LAYER), shape);
        processShapes.put(MoeTotals.key(r.process(), r.getInt(LAYER)), shape);
      }
      case "moe_routing_hidden" -> {
        hidden.put(r.getInt(LAYER), r.getString(BACKEND));
        processHidden.put(MoeTotals.key(r.process(), r.getInt(LAYER)), r.getString(BACKEND));
      }
      default -> {}
    }
  }

  /** The sentence the metadata, the CSV and the report use for a layer the probe cannot count. */
  public static String notRecorded(String backend) {
    return "MoE counts not recorded: " + (backend.isEmpty() ? "its expert kernel" : backend)
        + " routes inside its kernel";
  }

  /**
   * Per process that built or counted an MoE layer: every layer it holds, those vLLM built as MoE
   * (or that have counts, from older spools), then, where the process holds the whole model (no
   * pipeline parallelism), the model's other decoder layers as dense. Under PP a worker holds its
   * stage's layers only, and which dense layers those are is not recorded (VLLM_PP_LAYER_PARTITION
   * can move them): its dense layers are left out. Tokens come from the counts' aggregator.
   */
  public List<LayerRow> rows(MoeExperts counts, MoeTotals totals, IntFunction<ParallelIdentity> identity) {
    Map<Long, Long> routed = new TreeMap<>();
    counts.counts().forEach((key, c) -> routed.put(key, java.util.Arrays.stream(c).sum()));
    Map<Integer, TreeSet<Integer>> byProcess = new TreeMap<>();
    for (Map<Long, ?> m : List.of(processShapes, routed, processHidden)) {
      for (long key : m.keySet()) {
        if (MoeTotals.layer(key) != -1) { // a monolithic layer whose name carried no index
          byProcess.computeIfAbsent(MoeTotals.process(key), p -> new TreeSet<>()).add(MoeTotals.layer(key));
        }
      }
    }
    List<LayerRow> out = new ArrayList<>();
    byProcess.forEach((p, moe) -> {
      ParallelIdentity id = identity.apply(p);
      boolean wholeModel = id == null || id.ppSize() <= 1;
      int last = wholeModel ? Math.max(numHiddenLayers - 1, moe.last()) : moe.last();
      for (int layer = 0; layer <= last; layer++) {
        if (!moe.contains(layer)) {
          if (wholeModel && numHiddenLayers > 0) {
            out.add(new LayerRow(p, layer, "dense", null, null, null, null, "", null));
          }
          continue;
        }
        long key = MoeTotals.key(p, layer);
        Shape s = processShapes.getOrDefault(key, shapes.get(layer));
        Long tokens = counts.tokens().get(key);
        Long assigned = routed.get(key);
        Long shared = tokens != null && s != null ? tokens * s.sharedExperts() : null;
        String state = processHidden.containsKey(key) ? notRecorded(processHidden.get(key))
            : assigned != null ? "recorded" : "none routed";
        out.add(new LayerRow(p, layer, "moe", s, tokens, assigned, shared, state,
            assigned == null ? null : totals.counted(p, layer)));
      }
    });
    return out;
  }

  /** The model's MoE layers (built or counted by any process) and, from its layer count, its dense ones. */
  private List<List<Integer>> modelLayers(MoeExperts counts) {
    TreeSet<Integer> moe = new TreeSet<>(shapes.keySet());
    counts.counts().keySet().forEach(key -> moe.add(MoeTotals.layer(key)));
    moe.addAll(hidden.keySet());
    moe.remove(-1);
    List<Integer> dense = new ArrayList<>();
    if (numHiddenLayers > 0) {
      for (int layer = 0; layer <= Math.max(numHiddenLayers - 1, moe.isEmpty() ? -1 : moe.last()); layer++) {
        if (!moe.contains(layer)) {
          dense.add(layer);
        }
      }
    }
    return List.of(new ArrayList<>(moe), dense);
  }

  /** metadata.json's "moe" section, or null when the session saw no MoE layer. */
  public Map<String, Object> metadata(MoeExperts counts) {
    List<List<Integer>> layers = modelLayers(counts);
    List<Integer> moe = layers.get(0);
    if (moe.isEmpty() && hidden.isEmpty()) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    Shape s = shapes.values().stream().findFirst().orElse(null);
    if (s != null) {
      m.put("n_routed_experts", s.routedExperts());
      m.put("n_shared_experts", s.sharedExperts());
      m.put("top_k", s.topK());
      m.put("grouping", s.groups() > 0 ? Map.of("num_expert_group", s.groups(), "topk_group", s.topkGroup()) : null);
      m.put("routing", s.routing());
      m.put("expert_backend", s.backend());
      if (shapes.values().stream().distinct().count() > 1) {
        m.put("note", "layers differ in shape: see moe_layers.csv");
      }
    }
    m.put("num_hidden_layers", numHiddenLayers > 0 ? numHiddenLayers : null);
    m.put("moe_layers", moe);
    m.put("dense_layers", layers.get(1));
    m.put("shared_expert_tokens", "tokens x n_shared_experts per layer, in moe_layers.csv; not in the routed counts");
    if (!hidden.isEmpty()) {
      m.put("counts_not_recorded", notRecorded(String.join(", ", new TreeSet<>(hidden.values()))));
      m.put("counts_not_recorded_layers", new ArrayList<>(hidden.keySet()));
    }
    return m;
  }
}
