package dev.profilemate.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.profilemate.TestPaths;
import dev.profilemate.cli.Main;
import dev.profilemate.spool.RecordSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * These tests seal the session files' format: the golden session (every record type, two
 * processes, written by the probe's own writer) must export to exactly the committed files.
 * Regenerate with -Dprofilemate.updateGolden=true only for a reviewed format change.
 */
class SessionExporterGoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/session_golden");

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(dir::relativize).sorted().toList();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ROOT", "de-DE", "fr-FR"})
  void exportMatchesGoldenFilesInEveryLocale(String locale, @TempDir Path out) throws IOException {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.forLanguageTag(locale.equals("ROOT") ? "und" : locale));
    try {
      new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("session_golden"), out);
    } finally {
      Locale.setDefault(before);
    }
    if (Boolean.getBoolean("profilemate.updateGolden")) {
      for (Path f : files(out)) {
        Files.createDirectories(GOLDEN.resolve(f).getParent());
        Files.copy(out.resolve(f), GOLDEN.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    assertThat(files(out)).isEqualTo(files(GOLDEN));
    for (Path f : files(GOLDEN)) {
      assertThat(Files.readString(out.resolve(f))).as(f.toString()).isEqualTo(Files.readString(GOLDEN.resolve(f)));
    }
  }

  @Test
  void everySpecFileHasItsExactSeedHeader(@TempDir Path out) throws IOException {
    new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve("two_processes"), out);
    for (SessionFile f : SessionFile.values()) {
      List<String> lines = Files.readAllLines(out.resolve(f.fileName));
      assertThat(lines.get(0)).isEqualTo(String.join(",", f.columns));
    }
    // no scheduler, KV or GPU records in this session: those files are header-only
    // the seed's columns first, in its order; the process's node and ranks after them (issue 25)
    assertThat(Files.readAllLines(out.resolve("kv_cache_usage.csv")))
        .containsExactly("timestamp_sec,usage_pct,num_blocks,total_blocks,node,dp_rank,pp_rank,tp_rank,ep_rank");
    assertThat(Files.readAllLines(out.resolve("moe_expert_tracking/moe_expert_activations.csv")))
        .containsExactly("layer_idx,expert_id,activation_count,percentage,in_model_total,node,dp_rank,pp_rank,tp_rank,"
            + "ep_rank");
    assertThat(Files.readAllLines(out.resolve("batch_utilization.csv")).get(0))
        .startsWith("timestamp_sec,num_seqs,max_num_seqs,seq_utilization_pct,num_tokens,max_tokens,"
            + "token_utilization_pct,phase,running_queue_len,waiting_queue_len");
  }

  @Test
  void cliExportOfAMissingSessionIsOneLineAndExitOne(@TempDir Path tmp) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.run("export", tmp.resolve("nope").toString());
    } finally {
      System.setErr(saved);
    }
    assertThat(code).isEqualTo(1);
    String msg = err.toString(StandardCharsets.UTF_8).strip();
    assertThat(msg).doesNotContain("\n").contains("nope: no such folder; give the session_* folder");
  }

  @Test
  void strictExportOfACorruptSpoolFailsWithFileAndOffsetAndKeepsEarlierFiles(@TempDir Path tmp) throws IOException {
    Path session = tmp.resolve("session_x");
    Files.createDirectories(session.resolve("raw"));
    Path src = TestPaths.spoolFixtures().resolve("normal.pmspool");
    byte[] b = Files.readAllBytes(src);
    b[300] ^= 0x11;
    Files.write(session.resolve("raw/engine_core-1.pmspool"), b);
    Files.writeString(session.resolve("kv_cache_usage.csv"), "previous export\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.run("export", "--strict", session.toString());
    } finally {
      System.setErr(saved);
    }
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8).strip()).doesNotContain("\n")
        .contains("engine_core-1.pmspool").contains("chunk checksum mismatch").contains("byte offset");
    assertThat(Files.readString(session.resolve("kv_cache_usage.csv"))).isEqualTo("previous export\n");
    try (Stream<Path> s = Files.list(session)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".profilemate-export-"));
    }
  }

  @Test
  void badArgumentsExitTwo() {
    assertThat(Main.run("export")).isEqualTo(2);
    assertThat(Main.run("export", "a", "--no-such-flag")).isEqualTo(2);
  }

  @Test
  void sameInputSameBytes(@TempDir Path a, @TempDir Path b) throws IOException {
    Path s = TestPaths.spoolFixtures().resolve("session_golden");
    new SessionExporter(RecordSchema.bundled()).export(s, a);
    new SessionExporter(RecordSchema.bundled()).export(s, b);
    for (Path f : files(a)) {
      assertThat(Files.readAllBytes(b.resolve(f))).isEqualTo(Files.readAllBytes(a.resolve(f)));
    }
    assertThatThrownBy(() -> files(b.resolve("missing"))).isInstanceOf(IOException.class);
  }
}
