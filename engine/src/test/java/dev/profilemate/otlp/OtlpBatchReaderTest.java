package dev.profilemate.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import dev.profilemate.spool.RecordSchema;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which requests and steps a send carries: those after the watermarks of the sends before it, so
 * that a live collect sends each once. On spool-format/fixtures/session_traced (one EngineCore,
 * pid 401; req-a finishes first, then req-c, then req-b; 7 steps).
 */
class OtlpBatchReaderTest {
  static final Path SESSION = TestPaths.spoolFixtures().resolve("session_traced");
  final OtlpBatchReader reader = new OtlpBatchReader(RecordSchema.bundled());

  @Test
  void aSendCarriesWhatFinishedAfterTheLastOne() throws Exception {
    OtlpBatch all = reader.read(SESSION, OtlpBatch.Watermarks.NONE, true);
    assertThat(all.requests()).extracting(RequestSpan::requestId).containsExactly("req-a", "req-c", "req-b");
    assertThat(all.steps()).hasSize(7);
    long aFinished = all.requests().get(0).finishedNs();
    long thirdStep = all.steps().get(2).tNs();

    OtlpBatch rest = reader.read(SESSION, new OtlpBatch.Watermarks(Map.of(401L, aFinished), Map.of(401L, thirdStep)), true);
    assertThat(rest.requests()).extracting(RequestSpan::requestId).containsExactly("req-c", "req-b");
    assertThat(rest.steps()).containsExactlyElementsOf(all.steps().subList(3, 7));
    assertThat(rest.sentThrough()).isEqualTo(all.sentThrough());

    OtlpBatch none = reader.read(SESSION, all.sentThrough(), true);
    assertThat(none.requests()).isEmpty();
    assertThat(none.steps()).isEmpty();
    assertThat(none.sentThrough()).isEqualTo(all.sentThrough());
  }

  @Test
  void whileVllmRunsTheLastStepWaitsForTheNextToBoundIt() throws Exception {
    OtlpBatch live = reader.read(SESSION, OtlpBatch.Watermarks.NONE, false);
    OtlpBatch over = reader.read(SESSION, OtlpBatch.Watermarks.NONE, true);
    assertThat(live.steps()).hasSize(6).allSatisfy(s -> assertThat(s.durationNs()).isPositive());
    assertThat(over.steps().get(6).durationNs()).isEqualTo(-1);
    // a later send picks the held step up: it is after the live send's watermark
    assertThat(reader.read(SESSION, live.sentThrough(), true).steps()).containsExactly(over.steps().get(6));
  }
}
