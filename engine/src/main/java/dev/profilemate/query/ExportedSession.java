package dev.profilemate.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.profilemate.common.Json;
import dev.profilemate.common.UserDataException;
import dev.profilemate.export.SessionFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A session folder that profilemate export wrote: its id (the session's name) and the facts of
 * metadata.json the dataset keeps beside the rows (hosts, start, the processes' ranks).
 */
record ExportedSession(Path dir, String id, JsonNode metadata) {
  static final String WHAT = "a session_* folder that profilemate export wrote into (metadata.json and the CSVs)";

  /** Reads dir/metadata.json; a folder without it is refused (one line, what to do). */
  static ExportedSession open(Path dir) {
    Path meta = dir.resolve("metadata.json");
    if (!Files.isRegularFile(meta)) {
      if (Files.isDirectory(dir.resolve("raw"))) {
        throw new UserDataException(dir + " is not exported yet (raw spools only); run 'profilemate export " + dir
            + "' first");
      }
      throw new UserDataException(dir + " has no metadata.json; give " + WHAT + " or a Parquet dataset");
    }
    JsonNode m;
    try {
      m = Json.mapper().readTree(meta.toFile());
    } catch (IOException e) {
      throw new UserDataException(meta + " is not valid JSON (" + DuckDb.firstLine(e.getMessage())
          + "); export the session again");
    }
    String name = m.path("session").path("name").asText("");
    return new ExportedSession(dir, name.isEmpty() ? dir.getFileName().toString() : name, m);
  }

  List<String> hosts() {
    List<String> out = new ArrayList<>();
    metadata.path("hosts").forEach(h -> out.add(h.asText()));
    return out;
  }

  String startTime() {
    return metadata.path("session").path("start_time").asText("");
  }

  /** The processes' ranks as metadata.json gives them (-1: the probe could not tell). */
  TreeSet<Integer> processRanks() {
    TreeSet<Integer> out = new TreeSet<>();
    metadata.path("processes").forEach(p -> out.add(p.path("rank").asInt(-1)));
    return out;
  }

  JsonNode engine() {
    JsonNode e = metadata.path("engine");
    return e.isObject() ? e : MissingNode.getInstance();
  }

  /** The session file's CSV, or null when this export has none (an engine older than the file). */
  Path csv(SessionFile f) {
    Path p = dir.resolve(f.fileName);
    return Files.isRegularFile(p) ? p : null;
  }

  /**
   * The CSV's header, checked against this engine's schema: the types are the schema's, so a file
   * of another engine version (a column more or less) is refused rather than typed by position.
   */
  List<String> header(SessionFile f, Path csv) {
    String line;
    try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      line = r.readLine();
    } catch (IOException e) {
      throw new UserDataException(csv + ": cannot be read (" + e.getMessage() + ")");
    }
    List<String> cols = line == null ? List.of() : List.of(line.strip().split(",", -1));
    if (!cols.equals(f.columns)) {
      throw new UserDataException(csv + " has the columns of another engine version (" + (line == null ? "empty"
          : cols.size() + " columns") + ", expected " + f.columns.size() + "); run 'profilemate export " + dir
          + "' with this profilemate first");
    }
    return cols;
  }
}
