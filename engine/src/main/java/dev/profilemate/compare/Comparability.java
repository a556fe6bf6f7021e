package dev.profilemate.compare;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Checked before any figure: two sessions compare fairly only with the same model, vLLM version,
 * GPU and a workload of the same shape. Differences there are "not comparable" (said first, the
 * comparison still shown); differences in the engine's other settings are what the user changed,
 * listed as such.
 *
 * @param mismatches model, vLLM, GPU or workload differences
 * @param settings engine settings that differ (max_num_seqs 8 → 16, ...)
 */
record Comparability(List<String> mismatches, List<String> settings) {
  /** A median token count differing by more than this share makes the workloads different. */
  static final double WORKLOAD_TOLERANCE = 0.10;

  /** Settings that describe the deployment, not a knob: compared under mismatches, or not at all. */
  private static final List<String> NOT_SETTINGS = List.of("model", "model_config", "served_model_name", "vllm_version",
      "gpu_name", "gpu_count", "torch_version", "cuda_version", "dtype", "tensor_parallel_size", "pipeline_parallel_size");

  boolean comparable() {
    return mismatches.isEmpty();
  }

  static Comparability check(SessionSamples base, SessionSamples other) {
    List<String> mismatches = new ArrayList<>();
    JsonNode a = base.metadata().path("engine");
    JsonNode b = other.metadata().path("engine");
    if (!sameModel(a, b)) {
      mismatches.add("model " + model(a) + " vs " + model(b));
    }
    same(mismatches, "vLLM", text(a, "vllm_version"), text(b, "vllm_version"));
    same(mismatches, "GPU", gpu(a), gpu(b));
    for (String k : List.of("dtype", "tensor_parallel_size", "pipeline_parallel_size")) {
      same(mismatches, k, text(a, k), text(b, k));
    }
    workload(mismatches, "prompt tokens p50", base.of(Sample.PROMPT_TOKENS), other.of(Sample.PROMPT_TOKENS));
    workload(mismatches, "output tokens p50", base.of(Sample.OUTPUT_TOKENS), other.of(Sample.OUTPUT_TOKENS));
    int na = base.of(Sample.OUTPUT_TOKENS).length;
    int nb = other.of(Sample.OUTPUT_TOKENS).length;
    if (na > 0 && nb > 0 && Math.abs(nb - na) > WORKLOAD_TOLERANCE * Math.max(na, nb)) {
      mismatches.add("finished requests " + na + " vs " + nb);
    }
    List<String> settings = new ArrayList<>();
    for (Iterator<String> it = union(a, b); it.hasNext(); ) {
      String k = it.next();
      // a setting one session lacks was not recorded there (an older probe), not changed
      if (!NOT_SETTINGS.contains(k) && a.has(k) && b.has(k) && !Objects.equals(a.path(k), b.path(k))) {
        settings.add(k + " " + shown(a.path(k)) + " → " + shown(b.path(k)));
      }
    }
    return new Comparability(List.copyOf(mismatches), List.copyOf(settings));
  }

  private static Iterator<String> union(JsonNode a, JsonNode b) {
    java.util.TreeSet<String> keys = new java.util.TreeSet<>();
    a.fieldNames().forEachRemaining(keys::add);
    b.fieldNames().forEachRemaining(keys::add);
    return keys.iterator();
  }

  private static String shown(JsonNode v) {
    return v.isMissingNode() || v.isNull() ? "(none)" : v.isTextual() ? v.asText() : v.toString();
  }

  private static void same(List<String> out, String what, String a, String b) {
    if (!a.equals(b)) {
      out.add(what + " " + (a.isEmpty() ? "(not recorded)" : a) + " vs " + (b.isEmpty() ? "(not recorded)" : b));
    }
  }

  private static void workload(List<String> out, String what, double[] a, double[] b) {
    if (a.length == 0 || b.length == 0) {
      return;
    }
    double ma = Stat.sortedQuantile(a, 0.5);
    double mb = Stat.sortedQuantile(b, 0.5);
    if (Math.abs(mb - ma) > WORKLOAD_TOLERANCE * Math.max(Math.abs(ma), Math.abs(mb))) {
      out.add("workload: " + what + " " + num(ma) + " vs " + num(mb));
    }
  }

  private static String num(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v);
  }

  private static String text(JsonNode engine, String key) {
    JsonNode v = engine.path(key);
    return v.isMissingNode() || v.isNull() ? "" : v.asText();
  }

  /**
   * The same served name where both have one; else the same model_config (architecture, layers,
   * sizes: the model's path differs between machines and runs, a temporary folder each time);
   * else the same last path part.
   */
  private static boolean sameModel(JsonNode a, JsonNode b) {
    String sa = served(a);
    String sb = served(b);
    if (!sa.isEmpty() && !sb.isEmpty()) {
      return sa.equals(sb);
    }
    if (a.path("model_config").isObject() && b.path("model_config").isObject()) {
      return a.path("model_config").equals(b.path("model_config"));
    }
    return model(a).equals(model(b));
  }

  /** --served-model-name when given: vLLM's default is the model's path, which says nothing here. */
  private static String served(JsonNode engine) {
    String s = text(engine, "served_model_name");
    return s.equals(text(engine, "model")) ? "" : s;
  }

  /** The served name when there is one; else the model's last path part and shape (paths differ between machines). */
  private static String model(JsonNode engine) {
    String served = served(engine);
    String path = text(engine, "model");
    String name = !served.isEmpty() ? served : path.substring(path.lastIndexOf('/') + 1);
    JsonNode c = engine.path("model_config");
    String shape = c.isObject() ? " (" + c.path("architectures").path(0).asText("?") + ", " + c.path("num_hidden_layers").asText("?")
        + " layers, hidden " + c.path("hidden_size").asText("?") + ")" : "";
    return name + shape;
  }

  private static String gpu(JsonNode engine) {
    String g = text(engine, "gpu_name");
    return g.isEmpty() ? "none recorded (CPU)" : g;
  }
}
