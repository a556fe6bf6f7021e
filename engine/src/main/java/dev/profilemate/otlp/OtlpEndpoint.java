package dev.profilemate.otlp;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * An OTLP/HTTP endpoint as OTEL_EXPORTER_OTLP_ENDPOINT spells it (http://host:4318): spans go to
 * its /v1/traces, metrics to its /v1/metrics.
 */
public record OtlpEndpoint(URI base) {
  /** Parses ENDPOINT; the message of the exception names what is wrong with it. */
  public static OtlpEndpoint parse(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      uri = null;
    }
    String scheme = uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(text + " is not an http:// or https:// URL (OTLP over HTTP, e.g. http://127.0.0.1:4318)");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(text + " names no host (e.g. http://127.0.0.1:4318)");
    }
    String s = uri.toString();
    return new OtlpEndpoint(URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s));
  }

  public String traces() {
    return base + "/v1/traces";
  }

  public String metrics() {
    return base + "/v1/metrics";
  }

  @Override
  public String toString() {
    return base.toString();
  }
}
