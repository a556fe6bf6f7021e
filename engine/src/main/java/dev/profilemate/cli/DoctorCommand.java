package dev.profilemate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.common.UserDataException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "doctor",
    description = "List every probe target as attached or missing (with the reason) on the installed vLLM.")
final class DoctorCommand implements Callable<Integer> {
  @Option(names = "--json", description = "print the raw JSON")
  boolean json;

  @Option(names = "--strict", description = "exit 1 when a required target does not attach")
  boolean strict;

  @Override
  public Integer call() throws Exception {
    java.nio.file.Path out = java.nio.file.Files.createTempFile("profilemate-doctor", ".json");
    String text;
    try {
      PythonEnv.Result r;
      try (dev.profilemate.common.Progress progress = dev.profilemate.common.Progress.start("doctor")) {
        progress.phase("checking the probe targets on the installed vLLM");
        r = PythonEnv.run(List.of("-m", "profilemate_probe.doctor", "--json-out", out.toString()),
            Map.of("VLLM_ENABLE_PROFILING", "0"), true);
      }
      if (r.exitCode() != 0) {
        throw new UserDataException("the probe's doctor failed under " + PythonEnv.python() + " (exit " + r.exitCode() + ")");
      }
      text = java.nio.file.Files.readString(out);
    } finally {
      java.nio.file.Files.deleteIfExists(out);
    }
    if (json) {
      System.out.print(text);
      return 0;
    }
    JsonNode doc = new ObjectMapper().readTree(text);
    System.out.printf("vLLM %s (python %s, %s)%n", doc.path("vllm_version").asText("not installed"),
        doc.path("python").asText(), PythonEnv.python());
    // how vLLM processes started from this environment attach the probe
    System.out.printf("attach: %s%n", doc.path("attach").path("way").asText("unknown"));
    System.out.print(table(doc.path("targets")));
    int requiredMissing = 0;
    for (JsonNode t : doc.path("targets")) {
      if (!t.path("optional").asBoolean() && !t.path("state").asText().equals("attached")) {
        requiredMissing++;
      }
    }
    return strict && requiredMissing > 0 ? 1 : 0;
  }

  /** One row a target; columns as wide as their longest cell (fixed widths broke on long names). */
  static String table(JsonNode targets) {
    int stateW = 0;
    int profilerW = 0;
    int targetW = 0;
    for (JsonNode t : targets) {
      stateW = Math.max(stateW, t.path("state").asText().length());
      profilerW = Math.max(profilerW, t.path("profiler").asText().length());
      targetW = Math.max(targetW, cell(t).length());
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode t : targets) {
      String reason = t.path("reason").asText();
      String row = String.format("  %-" + stateW + "s  %-" + profilerW + "s  %-" + targetW + "s%s",
          t.path("state").asText(), t.path("profiler").asText(), cell(t), reason.isEmpty() ? "" : "  -- " + reason);
      sb.append(row.stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  private static String cell(JsonNode t) {
    return t.path("target").asText() + (t.path("optional").asBoolean() ? " (optional)" : "");
  }
}
