package dev.profilemate.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Lines that other packages print while the demo imports vLLM on a CPU and that its user cannot
 * act on: torch's deprecation notices about its own modules, and vLLM saying its compiled GPU
 * kernels are missing (the demo runs no model, so it needs none). Only these exact notices are
 * dropped; ProfileMate's lines, tracebacks and every other warning or error pass through.
 */
final class ForeignWarnings {
  private static final List<Pattern> KNOWN = List.of(
      // torch's logging (glog format: "W1205 17:12:00.334000 32536 torch/_opaque_base.py:6] ... is deprecated")
      Pattern.compile("^W\\d{4} [0-9:.]+ +\\d+ torch/\\S+\\] .*deprecated.*"),
      // vLLM's CPU platform without its compiled extension (bare, or in vLLM's own log format)
      Pattern.compile("^(WARNING [^\\]]*\\] )?Failed to import from vllm\\._C\\b.*"),
      Pattern.compile("^(WARNING [^\\]]*\\] )?FlashInfer kernels are disabled: .*"));

  private ForeignWarnings() {}

  static boolean isForeign(String line) {
    return KNOWN.stream().anyMatch(p -> p.matcher(line).matches());
  }

  /** Copies in to out line by line, leaving out the known foreign notices; a thread of its own. */
  static Thread pump(InputStream in, PrintStream out) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (!isForeign(line)) {
            out.println(line);
          }
        }
      } catch (IOException e) {
        // the child closed its stderr: nothing more to copy
      }
    }, "demo-stderr");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
