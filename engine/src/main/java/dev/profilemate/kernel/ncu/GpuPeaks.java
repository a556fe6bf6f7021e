package dev.profilemate.kernel.ncu;

import dev.profilemate.kernel.category.RulesJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
      Map<?, ?> root = (Map<?, ?>) RulesJson.read(in);
      List<Entry> list = new ArrayList<>();
      for (Object o : (List<?>) root.get("gpus")) {
        Map<?, ?> g = (Map<?, ?>) o;
        list.add(new Entry(Pattern.compile((String) g.get("match"), Pattern.CASE_INSENSITIVE),
            new Peak((String) g.get("name"), (Double) g.get("peakDramGBps"), (Double) g.get("peakFp16Bf16DenseTflops"),
                (Double) g.get("peakFp32Tflops"))));
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
