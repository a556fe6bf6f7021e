package dev.profilemate.kernel.ncu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The GPU peak table (resource {@value #RESOURCE}): datasheet peaks looked up by device name. */
public final class GpuPeaks {
  public static final String RESOURCE = "/profilemate/kernel/gpu-peaks.json";

  /** One GPU model's peaks: DRAM GB/s, dense FP16/BF16 tensor TFLOPS, FP32 TFLOPS. */
  public record Peak(String name, double peakDramGBps, double peakFp16Bf16DenseTflops, double peakFp32Tflops) {}

  private record Entry(Pattern match, Peak peak) {}

  private final List<Entry> entries;

  private GpuPeaks(List<Entry> entries) {
    this.entries = entries;
  }

  public static GpuPeaks load() {
    try (InputStream in = GpuPeaks.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      JsonNode root = new ObjectMapper().readTree(in);
      List<Entry> list = new ArrayList<>();
      for (JsonNode g : root.path("gpus")) {
        list.add(new Entry(Pattern.compile(g.get("match").asText(), Pattern.CASE_INSENSITIVE),
            new Peak(g.get("name").asText(), g.get("peakDramGBps").asDouble(), g.get("peakFp16Bf16DenseTflops").asDouble(),
                g.get("peakFp32Tflops").asDouble())));
      }
      return new GpuPeaks(list);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first entry whose pattern is found in {@code deviceName}, or null. */
  public Peak find(String deviceName) {
    if (deviceName == null || deviceName.isBlank()) {
      return null;
    }
    for (Entry e : entries) {
      if (e.match().matcher(deviceName).find()) {
        return e.peak();
      }
    }
    return null;
  }

  public List<Peak> all() {
    return entries.stream().map(Entry::peak).toList();
  }
}
