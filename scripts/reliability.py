#!/usr/bin/env python3
"""Runs the fault-injection cases against real vLLM and rewrites docs/reliability.md.

    python3 scripts/reliability.py [--out docs/reliability.md] [--work DIR] [--jobs 2]

The cases, their runner and their checks are probe/tests/fault_cases.py, the same that
probe/tests/test_faults.py asserts. vLLM's Python is $PROFILEMATE_PYTHON, else the one
scripts/setup_vllm.sh prints (it installs the pinned vLLM on first use). Exit status 1 when
a case fails a check (the table says which and why), 0 otherwise.
"""
import argparse
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "probe", "tests"))

import fault_cases as fc  # noqa: E402


def vllm_python():
    py = os.environ.get("PROFILEMATE_PYTHON")
    if py:
        return py
    return subprocess.run(["bash", os.path.join(ROOT, "scripts", "setup_vllm.sh")], check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]


def _clean(text, work):
    """Run-specific parts of a path or line (work folder, session stamps, pids) made generic."""
    text = text.replace(work, "$WORK")
    text = re.sub(r"session_\d{8}_\d{6}(_\d+)?", "session_…", text)
    text = re.sub(r"-\d+(\.\d+)?\.pmspool", r"-PID\1.pmspool", text)  # segments keep their number
    return re.sub(r"\(pid \d+\)", "(pid N)", text)


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _short_case(name):
    if name.startswith("hook:"):
        return "hook `%s`" % name[5:].split(":")[1]
    return "`%s`" % name


def _disabled(row):
    if row["name"] == "none":
        return "none"
    if row["name"].startswith("hook:"):
        prof = row.get("affected", "?")
        others = ["%s %d of %d" % (p, row["records_by_profiler"].get(p, 0), n)
                  for p, n in sorted(row["reference_by_profiler"].items())
                  if not p.startswith("(") and prof not in p.split("+")]
        own = "%d of %d" % (row["records_by_profiler"].get(prof, 0), row["reference_by_profiler"].get(prof, 0))
        return "%s only (in the process and in metadata.json; its records: %s, those made before the fault; " \
            "the others' as unfaulted: %s)" % (prof, own, ", ".join(others))
    if row["name"] == "collector_killed":
        return "none (the session equals the unfaulted one)"
    return row.get("affected", "")


def _records(row):
    disk, exported = row.get("on_disk"), row.get("exported")
    if exported is None:
        return "%s on disk / no session to export" % disk if not row.get("sessions") else \
            "%s on disk / nothing exported" % disk
    extra = row["on_disk_readable"] - disk
    # the writer's own records (clock anchors; records_lost where records were lost) are not data
    return "%d / %d%s" % (disk, exported - extra, " (+%d of the writer's own: clock anchors, records_lost)" % extra
                          if extra else "")


def _lost(row):
    if row.get("lost_text") and row["name"] != "disk_full":
        return row["lost_text"]
    if row["name"] == "disk_full":
        return "%d (log line: %s; writer: %d; handed %d = %d on disk + %d lost)" % (
            row["writer_lost"], row["log_lost"], row["writer_lost"], row["handed"], row["on_disk"], row["writer_lost"])
    return str(row.get("writer_lost"))


def render(rows, runner, work):
    ref = runner.reference
    steps = len(runner.baseline["digest"])
    lines = [
        "# Reliability: fault injection against real vLLM",
        "",
        "What the probe does when something goes wrong inside or around a vLLM process. Every case",
        "below runs the demo's workload (`profilemate demo`: chat requests sharing system prompts,",
        "long documents in prefill chunks, a burst that preempts; %d scheduler steps) on vLLM's **real**" % steps,
        "V1 scheduler, KV cache manager and block pool (vLLM %s, CPU) under the probe, injects one" % runner.vllm,
        "fault, and checks:",
        "",
        "- **vLLM outputs identical**: what vLLM's scheduler decided at every step (scheduled request",
        "  ids and token counts, preempted and finished ids, KV usage before and after, free blocks,",
        "  queue lengths, evicted block ids, prefix hits) equals a probe-off run's (`VLLM_ENABLE_PROFILING=0`);",
        "- **log lines**: the probe's lines on stderr (`[profilemate] …`): one, saying what happened;",
        "- **profilers disabled**: only the affected one, in the process and in the exported",
        "  `metadata.json` (`probe_targets`: its targets `disabled`, with the reason); every other",
        "  profiler writes as many records as in the unfaulted run;",
        "- **records**: every record on disk (in committed chunks) is in `profilemate export`'s output,",
        "  and records the hooks handed to the spool writer = records on disk + records counted lost.",
        "",
        "Hook faults are planted without changing the probe: a trace function raises `RuntimeError` at",
        "the first line of the hook's guarded probe code (the `try:` whose handler calls `prof.fail`),",
        "one hook of the probe's patch table at a time, for every attached hook whose probe code runs",
        "on this path (found by tracing the unfaulted run, not listed by hand).",
        "",
        "## Regenerate",
        "",
        "```",
        "python3 scripts/reliability.py            # rewrites this file; exit 1 if a case fails a check",
        "```",
        "",
        "The same cases and checks run in `bash scripts/test.sh` (`probe/tests/test_faults.py`; the",
        "cases, runner and checks are `probe/tests/fault_cases.py`, the driver",
        "`probe/tests/drive_faults.py`). Mounts (the read-only and the small tmpfs) are made in a",
        "private mount namespace (`unshare -m`, else `unshare -Urm`); where neither works those cases",
        "say *skipped* with the reason.",
        "",
        "## Results",
        "",
        "Generated %s on %s (%d cores, Python %s); the cases took %.0f s."
        % (datetime.date.today().isoformat(), platform.machine(), os.cpu_count() or 0, runner.python_version,
           runner.elapsed),
        "Unfaulted run: %d records (%s), exported whole (exit %s)."
        % (ref["spools"]["data"], ", ".join("%s %d" % kv for kv in sorted(ref_by(runner).items())),
           ref["export"]["code"]),
        "",
        "| case | fault injected | vLLM outputs identical | log lines | profilers disabled | records handed to the spool | "
        "records on disk / in the export | records counted lost | export exit | checks |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row.get("skipped") or row.get("harness_error"):
            why = row.get("skipped") or row.get("harness_error")
            lines.append("| %s | %s | %s |  |  |  |  |  |  | %s |" % (
                _short_case(row["name"]), _cell(row["fault"]), "skipped" if row.get("skipped") else "error",
                _cell(("skipped: " if row.get("skipped") else "harness error: ") + why)))
            continue
        checks = "pass" if not row["checks"] else "FAIL: " + "; ".join(row["checks"])
        handed = row.get("handed")
        lines.append("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |" % (
            _short_case(row["name"]), _cell(_clean(row["fault"], work)), row["identical_text"], row["log_lines"],
            _cell(_disabled(row)),
            "≥ %d by its last whole step (killed)" % row["handed_by_last_step"] if handed is None else handed,
            _records(row),
            _cell(_lost(row)), "—" if row.get("export_code") is None else row["export_code"],
            _cell(_clean(checks, work))))
    lines += ["", "### The log lines", ""]
    for row in rows:
        for line in row.get("log", []):
            lines.append("- %s: `%s`" % (_short_case(row["name"]), _clean(line, work)))
        if row["name"] == "sigkill" and not row.get("skipped"):
            lines.append("- `sigkill`: none: a SIGKILLed process cannot write one. The export reads its spool "
                         "as not closed cleanly and keeps every committed chunk (%s)."
                         % ("a torn tail: " + "; ".join(row["tails"]) if row.get("tails") else "no torn tail this run"))
    lines += ["", "### Notes", ""]
    lines.append("- Hooks attached on this path whose guarded probe code never runs here (no case): %s."
                 % ", ".join("`%s`" % k.split(":")[1] for k in runner.not_on_path))
    lines += [
        "- `disk_full`: the writer's short write is cut back to the last committed chunk; the chunk's",
        "  records and those still queued are counted lost, in the one log line; every profiler then",
        "  stops (its hooks only call vLLM), so no record is made that is not counted.",
        "- `sigkill`: the records committed to disk before the kill are all exported; records still in",
        "  the writer's queue die with the process, uncounted (nothing is left to count them). The run",
        "  is paced 3x slower than the demo so that the kill lands mid-run.",
        "- `collector_killed`: vLLM is held at step 60 while the collector (which has written the",
        "  session files once) is killed; profiling goes on, and a later `profilemate export SESSION`",
        "  writes the whole session.",
        "- `unwritable`, `unwritable_parent_is_file`, `session_readonly`: no spool can be written, so",
        "  profiling is off in that process from the start (every profiler), with one line; vLLM runs",
        "  as without the probe.",
        "- The cases run in children forked from one process that imported vLLM with the probe off;",
        "  each child turns the probe on as `sitecustomize` does under `VLLM_ENABLE_PROFILING=1`. The",
        "  unfaulted child writes exactly the records of a fresh interpreter whose probe started at",
        "  `import vllm` (checked, row `none`).",
        "",
    ]
    return "\n".join(lines)


def ref_by(runner):
    return {p: n for p, n in runner._by_profiler(runner.reference["spools"]["counts"]).items() if not p.startswith("(")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "reliability.md"))
    ap.add_argument("--work", help="keep the runs' files here (default: a temporary folder, removed)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    python = vllm_python()
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="profilemate-faults-")
    try:
        runner = fc.Runner(work, python=python, jobs=args.jobs)
        rows = runner.run()
        info = subprocess.run([python, "-c", "import sys, importlib.metadata as m; "
                               "print(m.version('vllm'), sys.version.split()[0])"],
                              capture_output=True, text=True, check=True).stdout.split()
        runner.vllm, runner.python_version = info[0], info[1]
        with open(args.out, "w") as f:
            f.write(render(rows, runner, work))
        failed = [r["name"] for r in rows if r.get("checks") or r.get("harness_error")]
        print("%s: %d cases, %d failed%s, %.0f s" % (os.path.relpath(args.out, ROOT), len(rows), len(failed),
                                                      (" (" + ", ".join(failed) + ")") if failed else "", runner.elapsed))
        return 1 if failed else 0
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
