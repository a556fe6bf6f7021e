package dev.profilemate.bench;

import java.net.URI;

/**
 * One benchmark run. {@code requestRate} null = every request sent at once (as {@code vllm bench
 * serve --request-rate inf}); {@code maxConcurrency} null = no limit on requests in flight.
 * {@code warmup}: send one short untimed request first (as vllm bench serve does), so the first
 * timed request does not pay for connection setup and the client's class loading.
 */
public record BenchSettings(
    URI baseUrl,
    String model,
    Endpoint endpoint,
    int numPrompts,
    Double requestRate,
    Integer maxConcurrency,
    LengthDistribution promptLen,
    LengthDistribution outputLen,
    PromptType promptType,
    long seed,
    double timeoutS,
    boolean warmup) {

  public BenchSettings {
    if (numPrompts < 1) {
      throw new IllegalArgumentException("numPrompts must be at least 1");
    }
    if (requestRate != null && !(requestRate > 0)) {
      throw new IllegalArgumentException("requestRate must be positive");
    }
    if (maxConcurrency != null && maxConcurrency < 1) {
      throw new IllegalArgumentException("maxConcurrency must be at least 1");
    }
    if (promptType == PromptType.TOKEN_IDS && endpoint == Endpoint.CHAT) {
      throw new IllegalArgumentException("token-id prompts need the completions endpoint");
    }
  }

  public BenchSettings withBaseUrl(URI url) {
    return new BenchSettings(url, model, endpoint, numPrompts, requestRate, maxConcurrency, promptLen, outputLen,
        promptType, seed, timeoutS, warmup);
  }

  public BenchSettings withNumPrompts(int n) {
    return new BenchSettings(baseUrl, model, endpoint, n, requestRate, maxConcurrency, promptLen, outputLen,
        promptType, seed, timeoutS, warmup);
  }

  public BenchSettings withModel(String name) {
    return new BenchSettings(baseUrl, name, endpoint, numPrompts, requestRate, maxConcurrency, promptLen, outputLen,
        promptType, seed, timeoutS, warmup);
  }

  public URI url() {
    String base = baseUrl.toString().replaceAll("/+$", "").replaceAll("/v1$", "");
    return URI.create(base + endpoint.path());
  }

  public String loadLabel() {
    if (requestRate != null) {
      return "Poisson arrivals at " + trim(requestRate) + " requests/s";
    }
    if (maxConcurrency != null) {
      return "max concurrency " + maxConcurrency;
    }
    return "all requests at once";
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
