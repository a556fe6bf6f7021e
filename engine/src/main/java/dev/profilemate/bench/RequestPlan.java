package dev.profilemate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds every request before the run starts, from the seed: lengths, prompts and send times.
 * With a request rate the gaps between sends are exponential with mean 1/rate (a Poisson
 * process); otherwise every send time is 0.
 */
public final class RequestPlan {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RequestPlan() {}

  public static List<PlannedRequest> of(BenchSettings s) {
    Random lengths = new Random(s.seed());
    Random prompts = new Random(s.seed() * 31 + 7);
    Random arrivals = new Random(s.seed() * 31 + 11);
    List<PlannedRequest> plan = new ArrayList<>(s.numPrompts());
    double atS = 0;
    for (int i = 0; i < s.numPrompts(); i++) {
      int in = s.promptLen().sample(lengths);
      int out = s.outputLen().sample(lengths);
      if (s.requestRate() != null && i > 0) {
        atS += exponential(arrivals, s.requestRate());
      }
      plan.add(new PlannedRequest(i, in, out, Math.round(atS * 1e9), body(s, in, out, prompts)));
    }
    return plan;
  }

  /** The untimed warm-up request: an 8-token prompt of its own (so it warms no prefix cache for the run), 1 output token. */
  public static PlannedRequest warmup(BenchSettings s) {
    Random r = new Random(s.seed() * 31 + 13);
    return new PlannedRequest(-1, 8, 1, 0, body(s, 8, 1, r));
  }

  static double exponential(Random r, double rate) {
    return -Math.log(1.0 - r.nextDouble()) / rate;
  }

  static String body(BenchSettings s, int promptLen, int outputLen, Random r) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", s.model());
    if (s.endpoint() == Endpoint.CHAT) {
      ArrayNode messages = b.putArray("messages");
      messages.addObject().put("role", "user").put("content", Prompts.text(promptLen, r));
    } else if (s.promptType() == PromptType.TOKEN_IDS) {
      ArrayNode ids = b.putArray("prompt");
      for (int id : Prompts.tokenIds(promptLen, r)) {
        ids.add(id);
      }
    } else {
      b.put("prompt", Prompts.text(promptLen, r));
    }
    b.put("max_tokens", outputLen);
    b.put("ignore_eos", true);
    b.put("temperature", 0.0);
    b.put("stream", true);
    b.putObject("stream_options").put("include_usage", true);
    try {
      return JSON.writeValueAsString(b);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
