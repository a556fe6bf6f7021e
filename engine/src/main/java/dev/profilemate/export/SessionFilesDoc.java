package dev.profilemate.export;

import java.util.List;

/**
 * docs/session-files.md, written from {@link SessionFile} and {@link SummaryFile}: the same
 * descriptors the writers take their headers and file names from, so the page cannot drift
 * from what an export writes (SessionFilesDocTest compares the committed page with this).
 */
public final class SessionFilesDoc {
  private SessionFilesDoc() {}

  public static String render() {
    StringBuilder b = new StringBuilder();
    b.append("""
        # Session files

        <!-- Generated from engine/src/main/java/dev/profilemate/export/SessionFile.java and SummaryFile.java by
             SessionFilesDoc; do not edit here. After changing those, run
             mvn -f engine/pom.xml test -Dtest=SessionFilesDocTest -Dprofilemate.updateDocs=true -->

        `profilemate export SESSION` (and `collect`, while vLLM runs, and `demo`) reads the probe's spool files
        (`raw/*.pmspool`, format in [spool-format/SPEC.md](../spool-format/SPEC.md)) and writes the files below
        into the session folder, all in one step: a failed export leaves the previous files whole. The same spools
        give the same bytes. Every file is written on every export; a profiler that recorded nothing leaves its
        CSV with the header alone (a CPU-only run has no CUDA graph, forward-pass or MoE rows).

        Conventions:
        - Times called `timestamp_sec` or `*_sec` are seconds since the session started (the earliest spool's
          start; every process on one monotonic clock), 6 decimals; durations are in the unit of their name.
        - An empty CSV cell means "not known" or "did not happen" (a request never preempted has no `preempted_sec`).
        - Numbers use a dot as decimal separator in every locale; CSVs are RFC 4180 with a header row.
        - Seed columns (those of the original tool) come first and keep their names; ProfileMate's columns follow.
        - A CSV column's *Type* is its SQL type in the Parquet dataset (`export --format parquet`) and in
          `profilemate query` ([fleet.md](fleet.md)): BIGINT, DOUBLE, BOOLEAN (`True`/`False`) or VARCHAR; an empty
          cell is NULL.
        - A *timing statistics* object has `count`, `total_ms`, `mean_ms`, `min_ms`, `p50_ms`, `p95_ms`, `p99_ms`,
          `max_ms` (milliseconds). Percentiles come from an HdrHistogram with 3 significant digits, so they can
          differ from an exact sort by up to 0.1 %; count, total and mean are exact.

        Which profiler makes a file is the probe's profiler module (`probe/profilemate_probe/targets/`) and the
        `ProfilingConfig` switch that turns it on (each also an environment variable, e.g.
        `ENABLE_KV_CACHE_TRACKING=0`).

        ## Files

        | File | Made by | Spool records | What one row / the file holds |
        |---|---|---|---|
        """);
    for (SessionFile f : SessionFile.values()) {
      b.append(row("[`" + f.fileName + "`](#" + anchor(f.fileName) + ")", f.profiler.label, f.sources, f.rows));
    }
    for (SummaryFile f : SummaryFile.values()) {
      b.append(row("[`" + f.fileName + "`](#" + anchor(f.fileName) + ")", f.profiler.label, f.sources, f.purpose));
    }
    b.append(row("`" + SessionFile.MOE_FOLDER + "/`", "moe", "—",
        "Byte-for-byte copies of every `moe_*.csv` and `moe_summary.json`: the original tool wrote the MoE files "
            + "there, its README showed them at the root; both places are kept."));
    b.append(row("`raw/*.pmspool`", "the probe", "—",
        "The spools themselves, one per process, kept so the session can be exported again (`profilemate export`)."));
    b.append(row("`captures/<capture_id>/`", "`profilemate collect`", "the spools",
        "A triggered capture: the spool segments of one window of capture_windows.csv, hard-linked so the disk "
            + "budget cannot drop them, with `capture.json`; `profilemate export` / `report` read it as a session "
            + "([triggered-capture.md](triggered-capture.md)). `captures/captures.jsonl` logs each capture."));
    b.append(row("`profile_report.html`", "`profilemate report` (and `demo`)", "the files above",
        "The self-contained HTML report; not written by `export`."));
    b.append("\n## Profilers\n\n| Profiler | Switches | Hooks |\n|---|---|---|\n");
    for (ProbeProfiler p : ProbeProfiler.values()) {
      if (p != ProbeProfiler.ALL) {
        b.append(row(p.label, p.switches, p.hooks));
      }
    }
    for (SessionFile f : SessionFile.values()) {
      section(b, f.fileName, f.profiler, f.sources, f.rows, f.caveat, "Column", f.docs);
    }
    for (SummaryFile f : SummaryFile.values()) {
      section(b, f.fileName, f.profiler, f.sources, f.purpose, "", f.isJson() ? "Key" : "Line", f.keys);
    }
    return b.toString();
  }

  private static void section(StringBuilder b, String file, ProbeProfiler p, String sources, String what, String caveat,
      String kind, List<Column> cols) {
    b.append("\n## ").append(file).append("\n\n").append(what).append("\n\n");
    b.append("Made by: ").append(p.label).append(". Spool records: ").append(sources).append(".\n");
    if (!caveat.isEmpty()) {
      b.append("\n").append(caveat).append("\n");
    }
    boolean csv = kind.equals("Column"); // a CSV column has a SQL type (Parquet export, query); a JSON key has not
    b.append("\n| ").append(kind).append(csv ? " | Unit | Type" : " | Unit")
        .append(" | Meaning | How it is computed | Caveats |\n|---|---|").append(csv ? "---|" : "").append("---|---|---|\n");
    for (Column c : cols) {
      b.append(csv ? row("`" + c.name() + "`", c.unit(), c.type().name(), c.meaning(), c.how(), c.caveat())
          : row("`" + c.name() + "`", c.unit(), c.meaning(), c.how(), c.caveat()));
    }
  }

  private static String row(String... cells) {
    StringBuilder b = new StringBuilder("|");
    for (String c : cells) {
      b.append(' ').append(c.replace("|", "\\|")).append(" |");
    }
    return b.append('\n').toString();
  }

  /** GitHub's heading anchor: lower case, dots and other punctuation dropped. */
  static String anchor(String heading) {
    return heading.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_ -]", "").replace(' ', '-');
  }
}
