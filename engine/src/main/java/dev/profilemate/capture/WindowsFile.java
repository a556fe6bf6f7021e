package dev.profilemate.capture;

import dev.profilemate.common.CsvTable;
import dev.profilemate.export.SessionFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * capture_windows.csv as the collector reads it after each refresh: one window per capture_id,
 * with its firings. The export's rule engine wrote it; the collector keeps the segments.
 */
record WindowsFile(List<Window> windows) {

  record Firing(String rule, double firedSec, double value, double threshold, String unit) {}

  record Window(String id, double startSec, double endSec, List<Firing> firings) {}

  static WindowsFile read(Path session) {
    CsvTable t = CsvTable.read(session.resolve(SessionFile.CAPTURE_WINDOWS.fileName));
    Map<String, Window> byId = new LinkedHashMap<>();
    for (String[] r : t.rows()) {
      String id = t.text(r, "capture_id");
      Firing f = new Firing(t.text(r, "rule"), t.number(r, "fired_sec"), t.number(r, "value"),
          t.number(r, "threshold"), t.text(r, "unit"));
      Window w = byId.get(id);
      List<Firing> firings = new ArrayList<>(w == null ? List.of() : w.firings());
      firings.add(f);
      byId.put(id, new Window(id, t.number(r, "window_start_sec"), t.number(r, "window_end_sec"),
          List.copyOf(firings)));
    }
    return new WindowsFile(List.copyOf(byId.values()));
  }
}
