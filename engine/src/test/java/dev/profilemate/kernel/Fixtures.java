package dev.profilemate.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the real fixtures copied into src/test/resources/fixtures, and a CLI runner for tests. */
public final class Fixtures {
  private Fixtures() {}

  public static Path root() {
    String repo = System.getProperty("profilemate.repoRoot");
    Path base = repo != null ? Path.of(repo, "engine") : Path.of(".");
    return base.resolve("src/test/resources/fixtures").normalize();
  }

  public static Path path(String rel) {
    return root().resolve(rel);
  }

  public static Path nsysNode() {
    return path("nsys/tinyllama_h200_nsys2025.3_cudagraph-node.sqlite");
  }

  public static Path nsysGraph() {
    return path("nsys/tinyllama_h200_nsys2025.3_cudagraph-graph.sqlite");
  }

  /** A fresh directory under target/test-out for one test. */
  public static Path outDir(String name) throws IOException {
    String out = System.getProperty("profilemate.outDir", "target/test-out");
    Path d = Path.of(out, name);
    if (Files.exists(d)) {
      try (var s = Files.walk(d)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(d);
    return d;
  }

  /** Exit status, stdout and stderr of one CLI run. */
  public record Run(int exit, String out, String err) {}

  public static Run cli(String... args) {
    dev.profilemate.cli.Run r = dev.profilemate.cli.Run.of(args);
    return new Run(r.code(), r.out(), r.err());
  }

}
