package dev.profilemate.common;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one table of GPU peaks (resource {@value #RESOURCE}, from the vendors' datasheets, each row
 * with its source) that the report's MFU/MBU estimates and the kernel analysis' roofline both take,
 * so the two never disagree. A user's file ({@code --gpu-peaks FILE}, same format) describes a GPU
 * that is not listed, or corrects one: its entries are tried first.
 */
public final class GpuCatalogue {
  public static final String RESOURCE = "/profilemate/gpus.json";
  private static final GpuCatalogue BUNDLED = load();

  /**
   * One GPU. TFLOPS are dense tensor-core peaks (BF16/FP16, FP8: NaN where the GPU has none) and the
   * non-tensor FP32 peak (NaN when not given); bandwidth in GB/s (10^9 bytes/s), memory in GB.
   * {@code from} is "built-in" or the file it was read from.
   */
  public record Gpu(String name, double bf16Tflops, double fp8Tflops, double fp32Tflops, double memoryBandwidthGbps,
      double memoryGb, String source, String url, List<String> patterns, String from) {}

  private final List<Gpu> gpus;

  private GpuCatalogue(List<Gpu> gpus) {
    this.gpus = List.copyOf(gpus);
  }

  public static GpuCatalogue bundled() {
    return BUNDLED;
  }

  /** The built-in table with {@code file}'s entries tried first; a bad file is one line naming it and the problem. */
  public static GpuCatalogue withFile(Path file) {
    if (file == null) {
      return BUNDLED;
    }
    if (Files.isDirectory(file)) {
      throw new UserDataException(file + ": is a folder; --gpu-peaks takes a JSON file like " + RESOURCE.substring(1));
    }
    JsonNode root;
    try (InputStream in = Files.newInputStream(file)) {
      root = Json.mapper().readTree(in);
    } catch (NoSuchFileException e) {
      throw new UserDataException(file + ": no such file (--gpu-peaks)", e);
    } catch (IOException e) {
      throw new UserDataException(file + ": not a GPU peaks JSON file (" + CsvTable.firstLine(e.getMessage()) + ")", e);
    }
    List<Gpu> all = new ArrayList<>(parse(root, file.toString(), true));
    all.addAll(BUNDLED.gpus);
    return new GpuCatalogue(all);
  }

  public List<Gpu> all() {
    return gpus;
  }

  /** The GPU named exactly (ignoring case and punctuation), else the first whose pattern appears as whole words. */
  public Optional<Gpu> match(String name) {
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    String n = normalize(name);
    for (Gpu g : gpus) {
      if (normalize(g.name()).equals(n)) {
        return Optional.of(g);
      }
    }
    String padded = " " + n + " ";
    for (Gpu g : gpus) {
      for (String p : g.patterns()) {
        if (padded.contains(" " + p + " ")) {
          return Optional.of(g);
        }
      }
    }
    return Optional.empty();
  }

  public String names() {
    return String.join(", ", gpus.stream().map(Gpu::name).distinct().toList());
  }

  static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").strip();
  }

  private static GpuCatalogue load() {
    try (InputStream in = GpuCatalogue.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " missing from the jar");
      }
      return new GpuCatalogue(parse(Json.mapper().readTree(in), "built-in", false));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Gpu> parse(JsonNode root, String from, boolean user) {
    JsonNode list = root.path("gpus");
    if (!list.isArray() || list.isEmpty()) {
      throw new UserDataException(from + ": no \"gpus\" list; expected {\"gpus\": [{\"name\": ..., \"bf16_tflops\": ..., "
          + "\"memory_bandwidth_gbps\": ...}]}");
    }
    List<Gpu> out = new ArrayList<>();
    int i = 0;
    for (JsonNode g : list) {
      i++;
      String name = g.path("name").asText("").strip();
      String where = from + ": gpus[" + i + "]" + (name.isEmpty() ? "" : " (" + name + ")");
      if (name.isEmpty()) {
        throw new UserDataException(where + ": no \"name\"");
      }
      double bf16 = positive(g, "bf16_tflops", where, true);
      double bw = positive(g, "memory_bandwidth_gbps", where, true);
      List<String> patterns = new ArrayList<>();
      g.path("patterns").forEach(p -> patterns.add(normalize(p.asText())));
      patterns.removeIf(String::isEmpty);
      String source = g.path("source").asText("");
      if (source.isBlank()) {
        if (!user) {
          throw new IllegalStateException(where + ": every built-in GPU names its datasheet");
        }
        source = "your file " + from;
      }
      out.add(new Gpu(name, bf16, positive(g, "fp8_tflops", where, false), positive(g, "fp32_tflops", where, false), bw,
          positive(g, "memory_gb", where, false), source, g.path("url").asText(""), List.copyOf(patterns),
          user ? from : "built-in"));
    }
    return out;
  }

  private static double positive(JsonNode g, String field, String where, boolean required) {
    JsonNode v = g.path(field);
    if (v.isMissingNode() || v.isNull()) {
      if (required) {
        throw new UserDataException(where + ": no \"" + field + "\"");
      }
      return Double.NaN;
    }
    if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
      throw new UserDataException(where + ": \"" + field + "\" must be a positive number, not " + v);
    }
    return v.asDouble();
  }
}
