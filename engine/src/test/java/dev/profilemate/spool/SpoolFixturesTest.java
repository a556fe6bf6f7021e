package dev.profilemate.spool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.profilemate.TestPaths;
import dev.profilemate.session.SessionReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Reads the spools the probe's own writer produced (spool-format/make_fixtures.py). */
class SpoolFixturesTest {
  private static final RecordSchema SCHEMA = RecordSchema.bundled();

  private static JsonNode expected() throws IOException {
    return new ObjectMapper().readTree(TestPaths.spoolFixtures().resolve("expected.json").toFile());
  }

  @ParameterizedTest
  @ValueSource(strings = {"normal.pmspool", "truncated.pmspool", "unknown_type.pmspool"})
  void readsEachGoldenSpoolAsDocumented(String name) throws IOException {
    JsonNode want = expected().get(name);
    Map<String, Integer> byType = new HashMap<>();
    try (SpoolReader r = SpoolReader.open(TestPaths.spoolFixtures().resolve(name), SCHEMA, 0)) {
      assertThat(r.metadata().get("format").asText()).isEqualTo("profilemate-spool");
      while (r.hasNext()) {
        byType.merge(r.next().name(), 1, Integer::sum);
      }
      assertThat(r.recordsRead()).isEqualTo(want.get("records").asLong());
      assertThat(r.chunksRead()).isEqualTo(want.get("chunks").asLong());
      assertThat(r.incomplete()).isEqualTo(want.get("incomplete").asBoolean());
      assertThat(r.closedCleanly()).isEqualTo(want.get("closedCleanly").asBoolean());
      assertThat(r.unknownRecordsSkipped()).isEqualTo(want.get("unknown").asLong());
    }
    assertThat(byType.get("scheduler_step")).isEqualTo(want.get("scheduler_step").asInt());
    assertThat(byType.get("request_event")).isEqualTo(want.get("request_event").asInt());
  }

  @Test
  void decodesFieldValuesAsWritten() throws IOException {
    try (SpoolReader r = SpoolReader.open(TestPaths.spoolFixtures().resolve("normal.pmspool"), SCHEMA, 0)) {
      SpoolRecord first = r.next();
      assertThat(first.name()).isEqualTo("scheduler_step");
      assertThat(first.tNs()).isEqualTo(1_100_000_000L);
      assertThat(first.getInt("num_tokens")).isEqualTo(64);
      assertThat(first.getInt("kv_total_blocks")).isEqualTo(100);
      assertThat(first.getDouble("kv_usage")).isEqualTo(0.10);
      SpoolRecord req = null;
      while (r.hasNext()) {
        SpoolRecord x = r.next();
        if (x.name().equals("request_event")) {
          req = x;
          break;
        }
      }
      assertThat(req).isNotNull();
      assertThat(req.getString("request_id")).isEqualTo("req-7");
      assertThat(req.getString("reason")).isEqualTo("stop");
      assertThat(req.getInt("num_output_tokens")).isEqualTo(7);
    }
  }

  @Test
  void mergesTwoProcessesOntoOneTimeline() throws IOException {
    List<String> roles = new ArrayList<>();
    try (SessionReader s = SessionReader.open(TestPaths.spoolFixtures().resolve("two_processes"), SCHEMA)) {
      var it = s.merged();
      while (it.hasNext()) {
        roles.add(s.processes().get(it.next().process()).role());
      }
      assertThat(s.processes()).extracting(p -> p.pid()).containsExactly(201L, 202L);
    }
    List<String> want = new ArrayList<>();
    expected().get("two_processes").get("order").forEach(n -> want.add(n.asText()));
    assertThat(roles).isEqualTo(want);
  }

  @Test
  void flippedPayloadByteDropsItsChunkNamingFileAndBytes(@TempDir Path tmp) throws IOException {
    byte[] b = Files.readAllBytes(TestPaths.spoolFixtures().resolve("normal.pmspool"));
    b[1000] ^= 0x5A; // inside chunk 1 (bytes 888-1290), which holds the last 4 records
    Path bad = tmp.resolve("bad.pmspool");
    Files.write(bad, b);
    try (SpoolReader r = SpoolReader.open(bad, SCHEMA, 0)) {
      r.forEachRemaining(x -> {});
      assertThat(r.recordsRead()).isEqualTo(expected().get("normal.pmspool").get("records").asLong() - 4);
      assertThat(r.dropped()).extracting(DroppedRange::describe)
          .containsExactly("bad.pmspool: bytes 888-1290 dropped (chunk checksum mismatch); 4 records lost");
    }
  }

  @Test
  void garbageAfterAChunkIsDroppedNotATornTail(@TempDir Path tmp) throws IOException {
    byte[] good = Files.readAllBytes(TestPaths.spoolFixtures().resolve("normal.pmspool"));
    byte[] b = new byte[good.length + 40];
    System.arraycopy(good, 0, b, 0, good.length);
    Path bad = tmp.resolve("garbage.pmspool");
    Files.write(bad, b);
    try (SpoolReader r = SpoolReader.open(bad, SCHEMA, 0)) {
      r.forEachRemaining(x -> {});
      assertThat(r.incomplete()).isFalse();
      assertThat(r.recordsRead()).isEqualTo(expected().get("normal.pmspool").get("records").asLong());
      assertThat(r.dropped()).extracting(DroppedRange::describe).containsExactly(
          "garbage.pmspool: bytes " + good.length + "-" + b.length + " dropped (bad chunk magic); unknown records lost");
    }
  }
}
