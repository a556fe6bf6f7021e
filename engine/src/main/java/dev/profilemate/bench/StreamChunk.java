package dev.profilemate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * One server-sent event of an OpenAI-compatible stream ({@code data: {...}} or {@code data: [DONE]}):
 * the text it carries (completions {@code choices[].text}, chat {@code choices[].delta.content}, or
 * a reasoning model's {@code delta.reasoning_content}), the usage block if present, an error if the
 * server reported one inside the stream.
 */
record StreamChunk(boolean done, String text, Integer promptTokens, Integer completionTokens, String error) {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final StreamChunk DONE = new StreamChunk(true, "", null, null, null);

  /** The payload of an SSE line, or null for lines that carry none (blank, comments, other fields). */
  static String payload(String line) {
    if (!line.startsWith("data:")) {
      return null;
    }
    String p = line.substring(5);
    return p.startsWith(" ") ? p.substring(1) : p;
  }

  static StreamChunk parse(String payload) {
    String p = payload.strip();
    if (p.equals("[DONE]")) {
      return DONE;
    }
    JsonNode n;
    try {
      n = JSON.readTree(p);
    } catch (IOException e) {
      return new StreamChunk(false, "", null, null, "unreadable stream chunk: " + clip(p));
    }
    if (n == null || !n.isObject()) {
      return new StreamChunk(false, "", null, null, "unexpected stream chunk: " + clip(p));
    }
    if (n.has("error") && !n.get("error").isNull() || "error".equals(n.path("object").asText())) {
      return new StreamChunk(false, "", null, null, "server error in stream: " + errorMessage(n));
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode c : n.path("choices")) {
      append(text, c.get("text"));
      JsonNode d = c.path("delta");
      append(text, d.get("content"));
      append(text, d.get("reasoning_content"));
      append(text, d.get("reasoning"));
    }
    JsonNode u = n.get("usage");
    Integer pt = null;
    Integer ct = null;
    if (u != null && u.isObject()) {
      pt = u.hasNonNull("prompt_tokens") ? u.get("prompt_tokens").asInt() : null;
      ct = u.hasNonNull("completion_tokens") ? u.get("completion_tokens").asInt() : null;
    }
    return new StreamChunk(false, text.toString(), pt, ct, null);
  }

  private static void append(StringBuilder sb, JsonNode t) {
    if (t != null && t.isTextual()) {
      sb.append(t.asText());
    }
  }

  /** The message of an OpenAI/vLLM error body: error.message, error (string), message or detail. */
  static String errorMessage(JsonNode n) {
    JsonNode e = n.get("error");
    if (e != null && e.isObject() && e.hasNonNull("message")) {
      return clip(e.get("message").asText());
    }
    if (e != null && e.isTextual()) {
      return clip(e.asText());
    }
    if (n.hasNonNull("message")) {
      return clip(n.get("message").asText());
    }
    if (n.hasNonNull("detail")) {
      return clip(n.get("detail").toString());
    }
    return clip(n.toString());
  }

  static String errorMessage(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null && n.isObject()) {
        return errorMessage(n);
      }
    } catch (IOException e) {
      // not JSON: use the text
    }
    return clip(body.strip());
  }

  static String clip(String s) {
    String one = s.replaceAll("\\s+", " ").strip();
    return one.length() <= 200 ? one : one.substring(0, 197) + "...";
  }
}
