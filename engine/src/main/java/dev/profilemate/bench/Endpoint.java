package dev.profilemate.bench;

/** The OpenAI-compatible endpoint the benchmark streams from. */
public enum Endpoint {
  COMPLETIONS("/v1/completions"),
  CHAT("/v1/chat/completions");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  public String path() {
    return path;
  }

  public String label() {
    return this == CHAT ? "chat" : "completions";
  }
}
