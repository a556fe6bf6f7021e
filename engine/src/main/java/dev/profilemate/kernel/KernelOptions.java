package dev.profilemate.kernel;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every kernel-analysis command takes (picocli mixin). */
public final class KernelOptions {
  @Option(names = "--json", paramLabel = "OUT", description = "write the results as JSON to OUT")
  public Path json;

  @Option(names = "--categories", paramLabel = "FILE", description = "extra kernel category rules (JSON, same shape as the built-in table)")
  public Path categories;

  @Option(names = "--top", defaultValue = "15", description = "kernels to list in the text summary (default ${DEFAULT-VALUE})")
  int top;

  @Option(names = "--gaps", defaultValue = "10", description = "largest idle gaps to keep per GPU (default ${DEFAULT-VALUE})")
  int gaps;

  public int top() {
    return Math.max(0, top);
  }

  public int gaps() {
    return Math.max(0, gaps);
  }
}
