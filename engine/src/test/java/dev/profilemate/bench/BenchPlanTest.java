package dev.profilemate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** Length distributions, prompts and the request plan (no server). */
class BenchPlanTest {
  @Test
  void lengthSpecsParseAndPrintBack() {
    assertThat(LengthDistribution.parse("128").toString()).isEqualTo("128");
    assertThat(LengthDistribution.parse("fixed:64").toString()).isEqualTo("64");
    assertThat(LengthDistribution.parse("uniform:10-20").toString()).isEqualTo("uniform:10-20");
    assertThat(LengthDistribution.parse("normal:512,64").toString()).isEqualTo("normal:512,64");
    for (String bad : List.of("0", "-3", "abc", "uniform:9-3", "uniform:5", "normal:10", "normal:0,1", "normal:10,-1", "")) {
      assertThatThrownBy(() -> LengthDistribution.parse(bad)).as(bad).isInstanceOf(TypeConversionException.class);
    }
  }

  @Test
  void samplesStayInsideTheirRange() {
    Random r = new Random(3);
    LengthDistribution u = LengthDistribution.parse("uniform:10-12");
    LengthDistribution n = LengthDistribution.parse("normal:20,10");
    boolean sawLow = false;
    boolean sawHigh = false;
    double sum = 0;
    for (int i = 0; i < 20000; i++) {
      int a = u.sample(r);
      assertThat(a).isBetween(10, 12);
      sawLow |= a == 10;
      sawHigh |= a == 12;
      int b = n.sample(r);
      assertThat(b).isBetween(1, 50); // clipped to max(1, mean-3sd) .. mean+3sd
      sum += b;
    }
    assertThat(sawLow && sawHigh).isTrue();
    assertThat(sum / 20000).isBetween(19.0, 21.5);
    assertThat(LengthDistribution.parse("normal:5,100").sample(new Random(1))).isBetween(1, 305);
  }

  @Test
  void poissonGapsAverageOneOverTheRateAndThePlanIsTheSameForTheSameSeed() {
    BenchSettings s = new BenchSettings(URI.create("http://x:1"), "m", Endpoint.COMPLETIONS, 5000, 25.0, null,
        LengthDistribution.fixed(4), LengthDistribution.fixed(4), PromptType.TOKEN_IDS, 42, 0, true);
    List<PlannedRequest> plan = RequestPlan.of(s);
    assertThat(plan.get(0).sendAtNs()).isZero();
    double meanGapS = plan.get(plan.size() - 1).sendAtNs() / 1e9 / (plan.size() - 1);
    assertThat(meanGapS).isBetween(0.04 * 0.95, 0.04 * 1.05);
    for (int i = 1; i < plan.size(); i++) {
      assertThat(plan.get(i).sendAtNs()).isGreaterThanOrEqualTo(plan.get(i - 1).sendAtNs());
    }
    assertThat(RequestPlan.of(s)).isEqualTo(plan);
  }

  @Test
  void textPromptsHaveOneWordPerRequestedToken() {
    String t = Prompts.text(300, new Random(1));
    assertThat(t.split(" ")).hasSize(300);
    assertThat(t).doesNotContain("  ").matches("[a-z ]+");
    assertThat(Prompts.tokenIds(77, new Random(1))).hasSize(77);
  }

  @Test
  void urlsTakeAnOptionalV1() {
    BenchSettings s = new BenchSettings(URI.create("http://h:8000/v1/"), "m", Endpoint.CHAT, 1, null, null,
        LengthDistribution.fixed(4), LengthDistribution.fixed(4), PromptType.TEXT, 1, 0, true);
    assertThat(s.url()).hasToString("http://h:8000/v1/chat/completions");
    assertThat(s.withBaseUrl(URI.create("http://h:9")).url()).hasToString("http://h:9/v1/chat/completions");
  }

  @Test
  void streamChunksOfBothEndpointsAndErrors() {
    assertThat(StreamChunk.payload("data: {\"a\":1}")).isEqualTo("{\"a\":1}");
    assertThat(StreamChunk.payload("data:[DONE]")).isEqualTo("[DONE]");
    assertThat(StreamChunk.payload(": keep-alive")).isNull();
    assertThat(StreamChunk.payload("")).isNull();
    assertThat(StreamChunk.parse("[DONE]").done()).isTrue();
    assertThat(StreamChunk.parse("{\"choices\":[{\"text\":\" hi\"}]}").text()).isEqualTo(" hi");
    assertThat(StreamChunk.parse("{\"choices\":[{\"delta\":{\"content\":\"yo\"}}]}").text()).isEqualTo("yo");
    assertThat(StreamChunk.parse("{\"choices\":[{\"delta\":{\"reasoning_content\":\"hmm\"}}]}").text()).isEqualTo("hmm");
    assertThat(StreamChunk.parse("{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}").text()).isEmpty();
    StreamChunk u = StreamChunk.parse("{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34}}");
    assertThat(u.promptTokens()).isEqualTo(12);
    assertThat(u.completionTokens()).isEqualTo(34);
    assertThat(StreamChunk.parse("{\"error\":{\"message\":\"boom\"}}").error()).isEqualTo("server error in stream: boom");
    assertThat(StreamChunk.parse("{\"object\":\"error\",\"message\":\"bad\"}").error()).isEqualTo("server error in stream: bad");
    assertThat(StreamChunk.parse("not json").error()).startsWith("unreadable stream chunk");
    assertThat(StreamChunk.errorMessage("{\"detail\":\"Not Found\"}")).isEqualTo("\"Not Found\"");
  }
}
