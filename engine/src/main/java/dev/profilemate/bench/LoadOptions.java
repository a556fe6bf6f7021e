package dev.profilemate.bench;

import java.net.URI;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** The load options shared by {@code profilemate bench} and {@code profilemate profile}. */
public final class LoadOptions {
  @Option(names = "--num-prompts", paramLabel = "N", description = "requests to send (bench: 100; profile: 100 quick, 200 full, 500 moe)")
  Integer numPrompts;

  @Option(names = "--request-rate", paramLabel = "R",
      description = "Poisson arrivals at R requests/s (bench default: every request at once; profile default: --max-concurrency 32)")
  Double requestRate;

  @Option(names = "--max-concurrency", paramLabel = "C", description = "at most C requests in flight; the next starts when one ends")
  Integer maxConcurrency;

  @Option(names = "--prompt-len", paramLabel = "DIST", converter = LengthDistribution.Converter.class,
      defaultValue = "512", description = "prompt tokens: N, uniform:A-B or normal:MEAN,SD (default ${DEFAULT-VALUE})")
  LengthDistribution promptLen;

  @Option(names = "--output-len", paramLabel = "DIST", converter = LengthDistribution.Converter.class,
      defaultValue = "128", description = "output tokens (max_tokens, with ignore_eos): N, uniform:A-B or normal:MEAN,SD (default ${DEFAULT-VALUE})")
  LengthDistribution outputLen;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "seed for lengths, prompts and arrivals (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--endpoint", paramLabel = "completions|chat", converter = EndpointConverter.class,
      defaultValue = "completions", description = "/v1/completions or /v1/chat/completions (default ${DEFAULT-VALUE})")
  Endpoint endpoint;

  @Option(names = "--prompt-type", paramLabel = "text|token-ids", converter = PromptTypeConverter.class,
      description = "token-ids: exact prompt lengths (completions only, the default there); text: synthetic words, about one token each (the chat default)")
  PromptType promptType;

  @Option(names = "--request-timeout", paramLabel = "S", defaultValue = "600",
      description = "a request still streaming after S seconds is counted as failed; 0 = no limit (default ${DEFAULT-VALUE})")
  double timeoutS;

  @Option(names = "--no-warmup", description = "skip the untimed warm-up request sent before the run")
  boolean noWarmup;

  /** Checks the combination (bad ones are argument errors, exit 2) and builds the settings. */
  public BenchSettings settings(CommandSpec spec, URI baseUrl, String model, int defaultNumPrompts, Integer defaultConcurrency) {
    if (requestRate != null && maxConcurrency != null) {
      throw new ParameterException(spec.commandLine(), "--request-rate and --max-concurrency are mutually exclusive: pick one");
    }
    if (requestRate != null && !(requestRate > 0 && requestRate < Double.POSITIVE_INFINITY)) {
      throw new ParameterException(spec.commandLine(), "--request-rate must be a positive number of requests per second");
    }
    if (maxConcurrency != null && maxConcurrency < 1) {
      throw new ParameterException(spec.commandLine(), "--max-concurrency must be at least 1");
    }
    int n = numPrompts == null ? defaultNumPrompts : numPrompts;
    if (n < 1) {
      throw new ParameterException(spec.commandLine(), "--num-prompts must be at least 1");
    }
    if (!(timeoutS >= 0)) {
      throw new ParameterException(spec.commandLine(), "--request-timeout must be 0 or more seconds");
    }
    PromptType type = promptType != null ? promptType : endpoint == Endpoint.CHAT ? PromptType.TEXT : PromptType.TOKEN_IDS;
    if (type == PromptType.TOKEN_IDS && endpoint == Endpoint.CHAT) {
      throw new ParameterException(spec.commandLine(), "--prompt-type token-ids needs --endpoint completions (chat messages are text)");
    }
    Integer concurrency = maxConcurrency != null || requestRate != null ? maxConcurrency : defaultConcurrency;
    return new BenchSettings(baseUrl, model, endpoint, n, requestRate, concurrency, promptLen, outputLen, type, seed, timeoutS, !noWarmup);
  }

  public static final class EndpointConverter implements picocli.CommandLine.ITypeConverter<Endpoint> {
    @Override
    public Endpoint convert(String value) {
      return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
        case "completions", "/v1/completions" -> Endpoint.COMPLETIONS;
        case "chat", "/v1/chat/completions" -> Endpoint.CHAT;
        default -> throw new TypeConversionException("'" + value + "' is not an endpoint: use completions or chat");
      };
    }
  }

  public static final class PromptTypeConverter implements picocli.CommandLine.ITypeConverter<PromptType> {
    @Override
    public PromptType convert(String value) {
      return PromptType.parse(value);
    }
  }
}
