package dev.profilemate.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.common.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Peak compute and memory bandwidth of common datacentre GPUs (resource gpu_peaks.json). */
final class GpuSpecs {
  private static final String RESOURCE = "/profilemate/report/gpu_peaks.json";
  private static final List<Gpu> TABLE = load();

  private GpuSpecs() {}

  /** One GPU; TFLOPS are dense tensor-core peaks, fp8 NaN where the GPU has none. */
  record Gpu(String name, double bf16Tflops, double fp8Tflops, double memoryBandwidthGbps, double memoryGb,
      String source, List<String> patterns) {}

  static List<Gpu> all() {
    return TABLE;
  }

  /** The first GPU whose pattern appears as whole words in {@code name} ("NVIDIA H100 80GB HBM3", "h100-sxm"). */
  static Optional<Gpu> match(String name) {
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    String n = " " + normalize(name) + " ";
    for (Gpu g : TABLE) {
      if (normalize(g.name()).equals(normalize(name))) {
        return Optional.of(g);
      }
    }
    for (Gpu g : TABLE) {
      for (String p : g.patterns()) {
        if (n.contains(" " + p + " ")) {
          return Optional.of(g);
        }
      }
    }
    return Optional.empty();
  }

  static String names() {
    return String.join(", ", TABLE.stream().map(Gpu::name).toList());
  }

  static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").strip();
  }

  private static List<Gpu> load() {
    try (InputStream in = GpuSpecs.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " missing from the jar");
      }
      JsonNode root = Json.mapper().readTree(in);
      List<Gpu> out = new ArrayList<>();
      for (JsonNode g : root.path("gpus")) {
        List<String> patterns = new ArrayList<>();
        g.path("patterns").forEach(p -> patterns.add(normalize(p.asText())));
        out.add(new Gpu(g.path("name").asText(), num(g.path("bf16_tflops")), num(g.path("fp8_tflops")),
            num(g.path("memory_bandwidth_gbps")), num(g.path("memory_gb")), g.path("source").asText(),
            List.copyOf(patterns)));
      }
      return List.copyOf(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double num(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.NaN;
  }
}
