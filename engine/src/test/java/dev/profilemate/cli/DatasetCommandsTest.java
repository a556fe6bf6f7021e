package dev.profilemate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.profilemate.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export --format parquet, merge and query on the command line: what they print, and their exit codes on bad input. */
class DatasetCommandsTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/session_golden");

  private static Path copy(Path from, Path to) throws IOException {
    return dev.profilemate.TestPaths.copyTree(from, to);
  }

  @Test
  void exportFormatParquetWritesTheSessionFilesAndADatasetBesideThem(@TempDir Path tmp) throws IOException {
    Path session = copy(TestPaths.spoolFixtures().resolve("session_golden"), tmp.resolve("session_golden"));
    Run r = Run.of("export", session.toString(), "--format", "parquet");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(session.resolve("batch_utilization.csv")).exists();
    Path steps = session.resolve("parquet/batch_utilization/session=session_golden");
    try (Stream<Path> ranks = Files.list(steps)) { // rank=0 today; rank=dp0 where rows carry their ranks
      assertThat(ranks.map(rank -> rank.resolve("part-0.parquet")).toList()).isNotEmpty().allMatch(Files::isRegularFile);
    }
    assertThat(r.out()).contains("parquet: ").contains("of 1 sessions into " + session.resolve("parquet"));

    Run q = Run.of("query", "SELECT phase, count(*) AS steps FROM batch_utilization GROUP BY phase ORDER BY phase",
        session.resolve("parquet").toString(), "--csv");
    Run fromCsv = Run.of("query", "SELECT phase, count(*) AS steps FROM batch_utilization GROUP BY phase ORDER BY phase",
        session.toString(), "--csv");
    assertThat(q.code()).as(q.err()).isZero();
    assertThat(q.out()).startsWith("phase,steps\n").contains("decode,").isEqualTo(fromCsv.out());
  }

  @Test
  void csvStaysTheDefaultFormat(@TempDir Path tmp) throws IOException {
    Path session = copy(TestPaths.spoolFixtures().resolve("session_golden"), tmp.resolve("session_golden"));
    assertThat(Run.of("export", session.toString()).code()).isZero();
    assertThat(session.resolve("parquet")).doesNotExist();
    assertThat(Run.of("export", session.toString(), "--format", "orc").code()).isEqualTo(ExitCodes.BAD_ARGUMENTS);
  }

  @Test
  void queryPrintsATableJsonAndCsv() {
    String sql = "SELECT session, rank, count(*) AS requests, sum(num_output_tokens) AS tokens FROM request_lifecycle "
        + "GROUP BY ALL";
    Run table = Run.of("query", sql, GOLDEN.toString());
    assertThat(table.code()).as(table.err()).isZero();
    assertThat(table.out().lines().toList().getFirst()).matches("session\\s+rank\\s+requests\\s+tokens");
    assertThat(table.out()).contains("session_golden").endsWith("(1 row)\n");
    Run json = Run.of("query", sql, GOLDEN.toString(), "--json");
    // request_lifecycle's rows carry their EngineCore's ranks (a DP rank only): its rank value is dp0
    assertThat(json.out()).startsWith("[{\"session\":\"session_golden\",\"rank\":\"dp0\",\"requests\":");
    assertThat(Run.of("query", sql, GOLDEN.toString(), "--json", "--csv").code()).isEqualTo(ExitCodes.BAD_ARGUMENTS);
  }

  @Test
  void badSqlIsOneLineAndExitTwo() {
    Run r = Run.of("query", "SELECT no_such_column FROM batch_utilization", GOLDEN.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.BAD_ARGUMENTS);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("query: SQL: Binder Error").contains("no_such_column").contains("batch_utilization");
  }

  @Test
  void badInputsAreOneLineEachExitOneAndNothingWritten(@TempDir Path tmp) throws IOException {
    Path raw = Files.createDirectories(tmp.resolve("session_raw/raw"));
    Path out = tmp.resolve("ds");
    Run r = Run.of("merge", out.toString(), GOLDEN.toString(), tmp.resolve("missing").toString(),
        raw.getParent().toString());
    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip().lines().toList()).satisfiesExactly(
        l -> assertThat(l).startsWith("merge: " + tmp.resolve("missing") + ": no such folder"),
        l -> assertThat(l).contains("is not exported yet").contains("profilemate export")
            .endsWith("(and 1 more above); nothing was written"));
    assertThat(out).doesNotExist();

    Run q = Run.of("query", "SELECT 1", tmp.resolve("missing").toString());
    assertThat(q.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(q.err()).contains("no such folder");
  }

  @Test
  void mergeRefusesToWriteIntoAFolderThatIsNotADataset(@TempDir Path tmp) throws IOException {
    Path notADataset = copy(GOLDEN, tmp.resolve("session_a"));
    Run r = Run.of("merge", notADataset.toString(), GOLDEN.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("is neither empty nor a Parquet dataset");
    assertThat(notADataset.resolve("batch_utilization")).doesNotExist();
  }
}
