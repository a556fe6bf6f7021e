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
      PythonEnv.Result r =
          PythonEnv.run(List.of("-m", "profilemate_probe.doctor", "--json-out", out.toString()),
              Map.of("VLLM_ENABLE_PROFILING", "0"), true);
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
    int requiredMissing = 0;
    for (JsonNode t : doc.path("targets")) {
      boolean optional = t.path("optional").asBoolean();
      String state = t.path("state").asText();
      if (!optional && !state.equals("attached")) {
        requiredMissing++;
      }
      System.out.printf("  %-9s %-11s %s%s%s%n", state, t.path("profiler").asText(), t.path("target").asText(),
          optional ? " (optional)" : "", t.path("reason").asText().isEmpty() ? "" : "  -- " + t.path("reason").asText());
    }
    return strict && requiredMissing > 0 ? 1 : 0;
  }
}
