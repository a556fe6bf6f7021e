package dev.profilemate.report;

import dev.profilemate.common.CsvTable;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The triggered captures (capture_windows.csv): which rule fired when, at what value against which
 * threshold, and the window kept around it. The timelines shade the windows (report.js); a window
 * that `collect` kept in full is in captures/ID beside the session files.
 */
record CaptureAnalysis(SectionStatus status, String rules, List<Window> windows) {

  record Firing(String rule, double firedSec, double value, double threshold, String unit) {}

  /** One rule in a window: when it first fired, how often, and its highest value (with that firing's threshold). */
  record RuleFirings(String rule, double firstSec, long firings, double peak, double threshold, String unit) {}

  /** kept: collect holds this window's spool segments in captures/ID (export and report read it). */
  record Window(String id, double startSec, double endSec, List<RuleFirings> rules, boolean kept) {}

  static CaptureAnalysis of(SessionData s) {
    if (s.dir() == null) {
      return new CaptureAnalysis(SectionStatus.notRecorded(SectionStatus.NO_SESSION), "", List.of());
    }
    CsvTable t = s.captureWindows();
    if (!t.present()) {
      return new CaptureAnalysis(SectionStatus.notRecorded("exported before triggered captures existed: run "
          + "profilemate export " + s.dir() + " again"), "", List.of());
    }
    Map<String, List<Firing>> firings = new LinkedHashMap<>();
    Map<String, double[]> spans = new LinkedHashMap<>();
    for (String[] r : t.rows()) {
      String id = t.text(r, "capture_id");
      firings.computeIfAbsent(id, k -> new ArrayList<>()).add(new Firing(t.text(r, "rule"), t.number(r, "fired_sec"),
          t.number(r, "value"), t.number(r, "threshold"), t.text(r, "unit")));
      spans.put(id, new double[] {t.number(r, "window_start_sec"), t.number(r, "window_end_sec")});
    }
    List<Window> windows = new ArrayList<>();
    firings.forEach((id, f) -> windows.add(new Window(id, spans.get(id)[0], spans.get(id)[1], byRule(f),
        Files.isDirectory(s.dir().resolve("captures").resolve(id)))));
    return new CaptureAnalysis(SectionStatus.RECORDED, s.metadata().captureRules(), List.copyOf(windows));
  }

  private static List<RuleFirings> byRule(List<Firing> firings) {
    Map<String, RuleFirings> out = new LinkedHashMap<>();
    for (Firing f : firings) {
      RuleFirings r = out.get(f.rule());
      if (r == null) {
        out.put(f.rule(), new RuleFirings(f.rule(), f.firedSec(), 1, f.value(), f.threshold(), f.unit()));
      } else {
        boolean peak = f.value() > r.peak();
        out.put(f.rule(), new RuleFirings(f.rule(), r.firstSec(), r.firings() + 1, peak ? f.value() : r.peak(),
            peak ? f.threshold() : r.threshold(), r.unit()));
      }
    }
    return List.copyOf(out.values());
  }
}
