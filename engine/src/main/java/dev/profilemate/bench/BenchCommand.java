package dev.profilemate.bench;

import dev.profilemate.common.UserDataException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code profilemate bench --base-url URL --model M ...}: a streaming load generator for an OpenAI-compatible server. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Drive load against a running vLLM (or any OpenAI-compatible) server and measure TTFT, TPOT, ITL and E2E latency",
      "(mean, P50, P90, P99), request and token throughput. Requests stream (SSE) with max_tokens and ignore_eos, so",
      "output lengths are as asked; token counts come from the server's usage block. Failed requests are counted."
    })
public final class BenchCommand implements Callable<Integer> {
  static final int DEFAULT_NUM_PROMPTS = 100;

  @Spec CommandSpec spec;

  @Option(names = "--base-url", required = true, paramLabel = "URL", description = "the server, e.g. http://127.0.0.1:8000")
  String baseUrl;

  @Option(names = "--model", required = true, paramLabel = "M", description = "the model name the server serves")
  String model;

  @Option(names = "--json", paramLabel = "OUT", description = "write the results as JSON (vllm bench serve key names)")
  Path json;

  @Mixin LoadOptions load;

  @Override
  public Integer call() throws InterruptedException {
    BenchSettings s = load.settings(spec, parseUrl(spec, baseUrl), model, DEFAULT_NUM_PROMPTS, null);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("bench: %d requests to %s (%s)%n", s.numPrompts(), s.url(), s.loadLabel());
    out.flush();
    BenchResult r = new LoadGenerator(s).run();
    out.print(BenchText.render(r));
    if (json != null) {
      BenchJson.write(json, r);
      out.println("wrote " + json);
    }
    out.flush();
    if (r.completed() == 0) {
      throw new UserDataException("all " + r.failed() + " requests failed; first reason: " + r.errors().get(0).reason());
    }
    return 0;
  }

  /** An http(s) URL with a host, else an argument error (exit 2). */
  public static URI parseUrl(CommandSpec spec, String url) {
    try {
      URI u = new URI(url.strip());
      if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
        throw new ParameterException(spec.commandLine(), "--base-url must be an http:// or https:// URL with a host, got '" + url + "'");
      }
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new ParameterException(spec.commandLine(), "--base-url is not a URL: '" + url + "'");
    }
  }
}
