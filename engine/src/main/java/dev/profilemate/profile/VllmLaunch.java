package dev.profilemate.profile;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The vLLM server's command line: {@code python -m vllm.entrypoints.openai.api_server --model M
 * --host H --port P} followed by the user's {@code --vllm-args}. A {@code --host}, {@code --port}
 * or {@code --served-model-name} among the user's arguments is respected.
 */
public record VllmLaunch(String python, String model, List<String> userArgs, int port) {
  static final String DEFAULT_HOST = "127.0.0.1";

  public Optional<String> userValue(String flag) {
    for (int i = 0; i < userArgs.size(); i++) {
      String a = userArgs.get(i);
      if (a.equals(flag) && i + 1 < userArgs.size()) {
        return Optional.of(userArgs.get(i + 1));
      }
      if (a.startsWith(flag + "=")) {
        return Optional.of(a.substring(flag.length() + 1));
      }
    }
    return Optional.empty();
  }

  public boolean userHas(String flag) {
    return userArgs.stream().anyMatch(a -> a.equals(flag) || a.startsWith(flag + "="));
  }

  public int effectivePort() {
    return userValue("--port").map(Integer::parseInt).orElse(port);
  }

  /** Where to reach the server: its --host unless that is a wildcard address. */
  public URI baseUrl() {
    String host = userValue("--host").filter(h -> !h.isBlank() && !h.equals("0.0.0.0") && !h.equals("::")).orElse(DEFAULT_HOST);
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + effectivePort());
  }

  /** The name requests must use: the first --served-model-name, else the model. */
  public String servedModelName() {
    return userValue("--served-model-name").orElse(model);
  }

  public List<String> command(List<String> extraServerArgs) {
    List<String> cmd = new ArrayList<>(List.of(python, "-m", VllmServer.SERVER_MODULE, "--model", model));
    if (!userHas("--host")) {
      cmd.add("--host");
      cmd.add(DEFAULT_HOST);
    }
    if (!userHas("--port")) {
      cmd.add("--port");
      cmd.add(Integer.toString(port));
    }
    cmd.addAll(userArgs);
    cmd.addAll(extraServerArgs);
    return cmd;
  }

  /** A port nothing listens on now (the server binds it a moment later). */
  public static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      return 8000;
    }
  }
}
