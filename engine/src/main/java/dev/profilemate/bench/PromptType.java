package dev.profilemate.bench;

/**
 * How prompts are made. {@code token-ids}: a list of random token ids as {@code prompt} (vLLM's
 * completions endpoint accepts it), so the prompt length is exact. {@code text}: synthetic text of
 * common English words, one word per requested token (see {@link Prompts}).
 */
public enum PromptType {
  TEXT("text"),
  TOKEN_IDS("token-ids");

  private final String label;

  PromptType(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static PromptType parse(String s) {
    for (PromptType t : values()) {
      if (t.label.equalsIgnoreCase(s.strip())) {
        return t;
      }
    }
    throw new picocli.CommandLine.TypeConversionException("'" + s + "' is not a prompt type: use text or token-ids");
  }
}
