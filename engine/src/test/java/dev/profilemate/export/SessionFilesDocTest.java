package dev.profilemate.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.profilemate.TestPaths;
import dev.profilemate.common.Json;
import dev.profilemate.spool.RecordSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/session-files.md is what {@link SessionFilesDoc} makes of the engine's own file and column
 * descriptors, and those describe every file, column and key an export really writes: a new
 * column without its description fails here. Rewrite the page with -Dprofilemate.updateDocs=true.
 */
class SessionFilesDocTest {
  private static final Path DOC = Path.of("../docs/session-files.md");
  /** The committed golden export (every record type) and the two-process fixture. */
  private static final Path GOLDEN = Path.of("src/test/resources/golden/session_golden");

  @Test
  void theCommittedPageIsTheGeneratedOne() throws IOException {
    String page = SessionFilesDoc.render();
    if (Boolean.getBoolean("profilemate.updateDocs")) {
      Files.writeString(DOC, page);
    }
    assertThat(Files.readString(DOC)).as("docs/session-files.md is stale: rerun with -Dprofilemate.updateDocs=true")
        .isEqualTo(page);
  }

  @Test
  void everyFileOfTheGoldenExportIsDocumented() throws IOException {
    checkExport(GOLDEN);
  }

  @Test
  void everyFileOfAFreshExportIsDocumented(@TempDir Path out) throws IOException {
    for (String fixture : List.of("session_golden", "two_processes")) {
      Path dir = out.resolve(fixture);
      new SessionExporter(RecordSchema.bundled()).export(TestPaths.spoolFixtures().resolve(fixture), dir);
      checkExport(dir);
    }
  }

  @Test
  void anUndocumentedColumnOrKeyIsCaught() {
    assertThat(undocumentedColumns("request_lifecycle.csv", "request_id,started_sec,no_such_column"))
        .containsExactly("no_such_column");
    JsonNode n = Json.mapper().valueToTree(Map.of("steps", 1, "new_key", 2, "schedule_time", Map.of("p50_ms", 1)));
    assertThat(undocumentedKeys(SummaryFile.BATCH_UTILIZATION, n)).containsExactly("new_key");
  }

  @Test
  void everyCsvColumnHasASqlType() {
    for (SessionFile f : SessionFile.values()) {
      for (Column c : f.docs) {
        assertThat(c.type()).as(f.fileName + " " + c.name() + ": unit '" + c.unit()
            + "' has no SQL type; add it to ColumnType or give the column .typed(...)").isNotNull();
      }
    }
  }

  @Test
  void everyColumnIsDescribedAndNamesAreUniquePerFile() {
    for (SessionFile f : SessionFile.values()) {
      assertThat(new TreeSet<>(f.columns)).as(f.fileName).hasSize(f.columns.size());
      assertThat(SessionFilesDoc.render()).contains("## " + f.fileName);
    }
  }

  /** Every file in an export folder is a documented one, and each of its columns, keys or lines is documented. */
  private static void checkExport(Path dir) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Path p : files(dir)) {
      String rel = dir.relativize(p).toString().replace('\\', '/');
      String name = p.getFileName().toString();
      if (rel.startsWith("raw/") || name.equals("profile_report.html")) {
        continue;
      }
      if (rel.contains("/") && !rel.startsWith(SessionFile.MOE_FOLDER + "/")) {
        problems.add(rel + ": a folder the docs do not describe");
        continue;
      }
      Optional<SessionFile> csv = Arrays.stream(SessionFile.values()).filter(f -> f.fileName.equals(name)).findFirst();
      Optional<SummaryFile> summary = Arrays.stream(SummaryFile.values()).filter(f -> f.fileName.equals(name)).findFirst();
      if (rel.startsWith(SessionFile.MOE_FOLDER + "/") && !name.startsWith("moe_")) {
        problems.add(rel + ": not one of the MoE copies the docs describe");
      } else if (csv.isPresent()) {
        String header = Files.readAllLines(p).get(0);
        undocumentedColumns(name, header).forEach(c -> problems.add(rel + ": column " + c));
      } else if (summary.isPresent() && summary.get().isJson()) {
        undocumentedKeys(summary.get(), Json.mapper().readTree(p.toFile())).forEach(k -> problems.add(rel + ": key " + k));
      } else if (summary.isPresent()) {
        for (String line : Files.readAllLines(p)) {
          int colon = line.indexOf(':');
          if (colon > 0 && summary.get().keys.stream().noneMatch(k -> k.name().equals(line.substring(0, colon)))) {
            problems.add(rel + ": line " + line.substring(0, colon));
          }
        }
      } else {
        problems.add(rel + ": an undocumented file");
      }
    }
    assertThat(problems).as("written by the export but not in SessionFile / SummaryFile").isEmpty();
  }

  private static List<String> undocumentedColumns(String file, String header) {
    SessionFile f = Arrays.stream(SessionFile.values()).filter(s -> s.fileName.equals(file)).findFirst().orElseThrow();
    return Arrays.stream(header.split(",")).filter(c -> !f.columns.contains(c)).toList();
  }

  /** Key paths of the JSON that no documented key matches (* matches any name, [] each list element). */
  private static List<String> undocumentedKeys(SummaryFile f, JsonNode root) {
    List<String> out = new ArrayList<>();
    walk(f, root, "", out);
    return out;
  }

  private static void walk(SummaryFile f, JsonNode n, String path, List<String> out) {
    if (!path.isEmpty()) {
      Optional<Column> doc = f.keys.stream().filter(k -> matches(k.name(), path)).findFirst();
      boolean whole = doc.isPresent()
          && (doc.get().unit().equals(Column.STATS) || doc.get().unit().equals(Column.OPAQUE));
      if (whole || (doc.isPresent() && !n.isObject() && !(n.isArray() && n.path(0).isObject()))) {
        return; // a documented value, list of values, or object described as a whole
      }
      if (doc.isEmpty() && n.isValueNode()) {
        out.add(path);
        return;
      }
    }
    if (n.isArray()) {
      n.forEach(e -> walk(f, e, path + "[]", out));
    } else if (n.isObject()) {
      n.properties().forEach(e -> walk(f, e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out));
    }
  }

  /** "a.*[].b" against "a.0[].b": segments equal, or * for any one name. */
  static boolean matches(String pattern, String path) {
    String[] p = pattern.split("\\.");
    String[] q = path.split("\\.");
    if (p.length != q.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      String a = p[i];
      String b = q[i];
      String aSuffix = a.replaceFirst("^[^\\[]*", "");
      String bSuffix = b.replaceFirst("^[^\\[]*", "");
      boolean nameOk = a.startsWith("*") || a.replaceFirst("\\[.*", "").equals(b.replaceFirst("\\[.*", ""));
      if (!nameOk || !aSuffix.equals(bSuffix)) {
        return false;
      }
    }
    return true;
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
