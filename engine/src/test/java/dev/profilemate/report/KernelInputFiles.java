package dev.profilemate.report;

import dev.profilemate.kernel.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.zip.GZIPInputStream;

/**
 * Kernel inputs for report tests: the real fixtures of the kernel tests, and SYNTHETIC copies of
 * them in which one kernel name is replaced by a hostile one (markup, quotes), each written in its
 * format's own escaping.
 */
final class KernelInputFiles {
  static final String HOSTILE = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">'";

  private KernelInputFiles() {}

  static Path nsysNode() {
    return Fixtures.nsysNode();
  }

  static Path nsysGraph() {
    return Fixtures.nsysGraph();
  }

  static Path ncuRaw() {
    return Fixtures.path("ncu/tinyllama_h200_ncu2025.3_first45_raw.csv");
  }

  static Path ncuDetails() {
    return Fixtures.path("ncu/tinyllama_h200_ncu2025.3_first45_details.csv");
  }

  static Path ncuAll() {
    return Fixtures.path("ncu/tinyllama_h200_ncu2025.3_all566_raw.csv.gz");
  }

  static Path ncuLiveStdout() {
    return Fixtures.path("ncu/tinyllama_h200_ncu2025.3_live-stdout_raw.txt");
  }

  static Path trace() {
    return Fixtures.path("kineto/tinyllama_h200_torch2.11_cudagraph.pt.trace.json.gz");
  }

  /** SYNTHETIC: the real node-mode export with every nvjet GEMM name prefixed by {@link #HOSTILE}. */
  static Path hostileNsys(Path dir) throws Exception {
    Path f = dir.resolve("hostile_nsys.sqlite");
    Files.copy(nsysNode(), f);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f.toAbsolutePath());
        PreparedStatement p = c.prepareStatement("UPDATE StringIds SET value = ? || value WHERE value LIKE 'nvjet%'")) {
      p.setString(1, HOSTILE);
      p.executeUpdate();
    }
    return f;
  }

  /** SYNTHETIC: the real raw-page ncu CSV with the QKV GEMM's name prefixed by {@link #HOSTILE} (CSV quoting). */
  static Path hostileNcu(Path dir) throws IOException {
    String csv = Files.readString(ncuRaw());
    String name = "nvjet_sm90_tst_96x128_64x7_2x1_v_bz_TNN";
    Path f = dir.resolve("hostile_ncu.csv");
    Files.writeString(f, csv.replace(name, HOSTILE.replace("\"", "\"\"") + name));
    return f;
  }

  /** SYNTHETIC: the real Kineto trace, unzipped, with the lm_head GEMM's name prefixed by {@link #HOSTILE} (JSON escaping). */
  static Path hostileTrace(Path dir) throws IOException {
    String json;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(trace()))) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String name = "nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT";
    Path f = dir.resolve("hostile.pt.trace.json");
    Files.writeString(f, json.replace("\"" + name + "\"", "\"" + HOSTILE.replace("\"", "\\\"") + name + "\""));
    return f;
  }
}
