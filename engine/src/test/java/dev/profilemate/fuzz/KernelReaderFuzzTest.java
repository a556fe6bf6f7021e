package dev.profilemate.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.kernel.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Truncated and garbled copies of the real nsys, ncu and Kineto fixtures, through the CLI: each
 * either reads (exit 0) or ends with one line on stderr naming the file (exit 1). Never a stack
 * trace, never another exit code. Seeded: a failure names its case and reproduces.
 */
class KernelReaderFuzzTest {
  private static final long SEED = 20;

  @TempDir Path tmp;
  private int cases;
  private int refused;

  /** One mutated input: the CLI verb, the file name to write it under, and its bytes. */
  private record Case(String verb, String name, byte[] bytes, String what) {}

  @Test
  void truncatedOrGarbledKernelInputsEndInOneLineAndExitOne() throws IOException {
    Random rnd = new Random(SEED);
    List<Case> all = new ArrayList<>();
    // nsys: SQLite pages; analysis of a whole file is the costly part, so fewer cases
    for (Path f : List.of(Fixtures.nsysNode(), Fixtures.nsysGraph())) {
      all.addAll(mutations("nsys", f, Files.readAllBytes(f), rnd, 4, 4));
    }
    for (String f : List.of("ncu/tinyllama_h200_ncu2025.3_live-stdout_raw.txt",
        "ncu/tinyllama_h200_ncu2025.3_first45_metricsonly_raw.csv",
        "ncu/tinyllama_h200_ncu2025.3_first45_metricsonly_details.csv",
        "ncu/tinyllama_h200_ncu2025.3_first45_details_baseunits.csv.gz")) {
      all.addAll(mutations("ncu", Fixtures.path(f), Files.readAllBytes(Fixtures.path(f)), rnd, 6, 6));
    }
    for (String f : List.of("kineto/hta_cpu_only.pt.trace.json.gz", "kineto/hta_triton_example_a100.json.gz",
        "kineto/tinyllama_h200_torch2.11_cudagraph.pt.trace.json.gz")) {
      byte[] gz = Files.readAllBytes(Fixtures.path(f));
      all.addAll(mutations("trace", Fixtures.path(f), gz, rnd, 8, 8));
      // the same damage inside the compressed stream: the gzip layer stays valid, the JSON does not
      byte[] json = gunzip(gz);
      for (Case c : mutations("trace", Fixtures.path(f), json, rnd, 4, 4)) {
        all.add(new Case(c.verb(), c.name(), gzip(c.bytes()), c.what() + " (inside the gzip)"));
      }
    }
    for (Case c : all) {
      check(c);
    }
    System.out.println("KernelReaderFuzzTest: " + cases + " mutated nsys/ncu/Kineto inputs (" + refused
        + " refused with one line, the rest read), seed " + SEED);
    assertThat(cases).isGreaterThan(100);
    assertThat(refused).as("the mutations must bite").isGreaterThan(cases / 4).isLessThan(cases);
  }

  @Test
  void aFixtureCutInHalfIsRefusedNamingTheFileAndTheCause() throws IOException {
    record Cut(String verb, Path src, boolean gunzip, String cause) {}
    for (Cut c : List.of(
        new Cut("nsys", Fixtures.nsysNode(), false, "malformed"),
        new Cut("ncu", Fixtures.path("ncu/tinyllama_h200_ncu2025.3_first45_raw.csv"), false,
            "truncated: the file ends inside a line"),
        new Cut("ncu", Fixtures.path("ncu/tinyllama_h200_ncu2025.3_first45_details_baseunits.csv.gz"), true,
            "truncated: the file ends inside a line"),
        new Cut("ncu", Fixtures.path("ncu/tinyllama_h200_ncu2025.3_first45_details_baseunits.csv.gz"), false,
            "truncated or corrupt gzip data"),
        new Cut("trace", Fixtures.path("kineto/tinyllama_h200_torch2.11_cudagraph.pt.trace.json.gz"), false,
            "truncated or corrupt gzip data"),
        new Cut("trace", Fixtures.path("kineto/tinyllama_h200_torch2.11_cudagraph.pt.trace.json.gz"), true,
            "malformed JSON"))) {
      byte[] b = Files.readAllBytes(c.src());
      if (c.gunzip()) {
        b = gunzip(b);
      }
      Path f = tmp.resolve("half-" + c.src().getFileName().toString().replace(".gz", c.gunzip() ? "" : ".gz"));
      Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
      Fixtures.Run r = Fixtures.cli(c.verb(), f.toString());
      assertThat(r.exit()).as(f + ": " + r.err()).isEqualTo(1);
      assertThat(r.err().strip()).doesNotContain("\n").startsWith(c.verb() + ": " + f + ": ").contains(c.cause());
    }
  }

  private List<Case> mutations(String verb, Path src, byte[] b, Random rnd, int cuts, int flips) {
    String name = src.getFileName().toString();
    List<Case> out = new ArrayList<>();
    out.add(new Case(verb, name, new byte[0], "empty"));
    out.add(new Case(verb, name, java.util.Arrays.copyOf(b, Math.min(b.length, 100)), "first 100 bytes"));
    for (int i = 0; i < cuts; i++) {
      int at = 1 + rnd.nextInt(b.length - 1);
      out.add(new Case(verb, name, java.util.Arrays.copyOf(b, at), "cut at " + at));
    }
    for (int i = 0; i < flips; i++) {
      byte[] m = b.clone();
      int n = 1 + rnd.nextInt(16);
      StringBuilder where = new StringBuilder();
      for (int k = 0; k < n; k++) {
        int at = rnd.nextInt(m.length);
        m[at] ^= (byte) (1 + rnd.nextInt(255));
        where.append(at).append(' ');
      }
      out.add(new Case(verb, name, m, "flips at " + where.toString().strip()));
    }
    byte[] zeros = b.clone();
    int from = rnd.nextInt(b.length);
    java.util.Arrays.fill(zeros, from, Math.min(b.length, from + 4096), (byte) 0);
    out.add(new Case(verb, name, zeros, "4 KiB zeroed at " + from));
    return out;
  }

  private void check(Case c) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("case" + cases));
    Path f = dir.resolve(c.name());
    Files.write(f, c.bytes());
    Fixtures.Run r = Fixtures.cli(c.verb(), f.toString());
    cases++;
    String label = c.verb() + " " + c.name() + ", " + c.what();
    assertThat(r.exit()).as(label + ": exit status; stderr: " + r.err()).isIn(0, 1);
    assertThat(r.err()).as(label + ": no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
    if (r.exit() == 1) {
      refused++;
      assertThat(r.err().strip()).as(label + ": one line").doesNotContain("\n").contains(f.toString());
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path d) throws IOException {
    try (var s = Files.walk(d)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static byte[] gunzip(byte[] gz) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }

  private static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(raw);
    }
    return out.toByteArray();
  }
}
